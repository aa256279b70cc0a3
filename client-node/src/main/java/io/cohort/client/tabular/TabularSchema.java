package io.cohort.client.tabular;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a tabular classification job expects of every node's data: the label column and its
 * classes, the numeric and categorical feature columns, and the hidden layer sizes of the model.
 *
 * <p>Every node must hold the same schema, because the order of classes, columns and categories
 * fixes the feature layout ({@link FeatureEncoder}) and therefore the shape of the shared
 * weights. The lists are copied and unmodifiable; the constructor rejects anything that would
 * make the layout ambiguous with an {@link IllegalArgumentException} naming the bad field.
 *
 * @param labelColumn header name of the column holding the class
 * @param classes class values, in the order of the model's outputs (index 1 is the positive
 *     class of a binary task); empty for a regression job, whose label column is a number
 * @param numericColumns header names of numeric features, in layout order
 * @param categoricalColumns categorical features with their categories, in layout order
 * @param hiddenUnits width of each hidden layer of the classifier, input side first; may be empty
 * @param missing how each feature column's missing cells are recognised and filled; a column not
 *     named takes {@link MissingValues#defaults}. The resolved map names every feature column.
 */
public record TabularSchema(
    String labelColumn,
    List<String> classes,
    List<String> numericColumns,
    List<CategoricalColumn> categoricalColumns,
    List<Integer> hiddenUnits,
    Map<String, MissingValues> missing) {

  /** A schema whose feature columns all take the default missing-value handling. */
  public TabularSchema(String labelColumn, List<String> classes, List<String> numericColumns,
      List<CategoricalColumn> categoricalColumns, List<Integer> hiddenUnits) {
    this(labelColumn, classes, numericColumns, categoricalColumns, hiddenUnits, Map.of());
  }

  /**
   * A categorical feature column and its categories, in one-hot order.
   *
   * @param name header name of the column
   * @param categories the values the column may take; non-empty and distinct
   */
  public record CategoricalColumn(String name, List<String> categories) {

    public CategoricalColumn {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException(
            "categorical column name must be a non-empty header name, got "
                + (name == null ? "null" : "''"));
      }
      categories = copyNonNull(categories, "categories of column '" + name + "'");
      if (categories.isEmpty()) {
        throw new IllegalArgumentException(
            "categories of column '" + name + "' must list at least one value");
      }
      String duplicate = firstDuplicate(categories);
      if (duplicate != null) {
        throw new IllegalArgumentException(
            "categories of column '" + name + "' list '" + duplicate
                + "' more than once; each category must appear once");
      }
    }

    /** Index of {@code value} in {@link #categories()}, or -1 when it is not a category. */
    public int indexOf(String value) {
      return categories.indexOf(value);
    }
  }

  public TabularSchema {
    if (labelColumn == null || labelColumn.isEmpty()) {
      throw new IllegalArgumentException(
          "labelColumn must be a non-empty header name, got "
              + (labelColumn == null ? "null" : "''"));
    }
    classes = copyNonNull(classes, "classes");
    numericColumns = copyNonNull(numericColumns, "numericColumns");
    categoricalColumns = copyNonNull(categoricalColumns, "categoricalColumns");
    hiddenUnits = copyNonNull(hiddenUnits, "hiddenUnits");

    if (classes.size() == 1) {
      throw new IllegalArgumentException(
          "classes must list at least 2 distinct values (or none for a regression job), got " + classes);
    }
    String duplicateClass = firstDuplicate(classes);
    if (duplicateClass != null) {
      throw new IllegalArgumentException(
          "classes list '" + duplicateClass + "' more than once; each class must appear once");
    }

    // One namespace for all columns: a header name can feed only one place in the layout.
    Set<String> seen = new HashSet<>();
    seen.add(labelColumn);
    for (String column : numericColumns) {
      if (column.isEmpty()) {
        throw new IllegalArgumentException("numericColumns must not contain an empty name");
      }
      checkNewColumn(column, "numericColumns", labelColumn, seen);
    }
    for (CategoricalColumn column : categoricalColumns) {
      checkNewColumn(column.name(), "categoricalColumns", labelColumn, seen);
    }

    if (numericColumns.isEmpty() && categoricalColumns.isEmpty()) {
      throw new IllegalArgumentException(
          "numericColumns and categoricalColumns are both empty; list at least one feature"
              + " column");
    }

    missing = resolveMissing(missing, numericColumns, categoricalColumns);

    for (int i = 0; i < hiddenUnits.size(); i++) {
      if (hiddenUnits.get(i) <= 0) {
        throw new IllegalArgumentException(
            "hiddenUnits[" + i + "] is " + hiddenUnits.get(i) + "; layer widths must be positive");
      }
    }
  }

  /**
   * Number of model inputs: one per numeric column, one per category of each categorical column,
   * and one per missing-value indicator.
   */
  public int inputWidth() {
    int width = numericColumns.size();
    for (CategoricalColumn column : categoricalColumns) {
      width += column.categories().size();
    }
    return width + indicatorColumns().size();
  }

  /** How {@code column} (a feature column) handles missing cells. */
  public MissingValues missingValues(String column) {
    MissingValues m = missing.get(column);
    if (m == null) {
      throw new IllegalArgumentException("'" + column + "' is not a feature column of " + this);
    }
    return m;
  }

  /**
   * The feature columns with a missing-value indicator, in layout order (numeric columns first,
   * then categorical ones); their inputs follow the one-hot blocks.
   */
  public List<String> indicatorColumns() {
    List<String> columns = new ArrayList<>();
    for (String column : numericColumns) {
      if (missing.get(column).indicator()) {
        columns.add(column);
      }
    }
    for (CategoricalColumn column : categoricalColumns) {
      if (missing.get(column.name()).indicator()) {
        columns.add(column.name());
      }
    }
    return List.copyOf(columns);
  }

  /**
   * True when both schemas give the same feature layout and classes, i.e. data encoded under
   * one fits a model built for the other; the hidden layer sizes may differ.
   */
  public boolean sameFeatures(TabularSchema other) {
    return labelColumn.equals(other.labelColumn)
        && classes.equals(other.classes)
        && numericColumns.equals(other.numericColumns)
        && categoricalColumns.equals(other.categoricalColumns)
        && missing.equals(other.missing);
  }

  /** Number of model outputs: the number of classes, or 1 (the predicted number) for a regression job. */
  public int numClasses() {
    return regression() ? 1 : classes.size();
  }

  /** True when the label is a number to predict (no classes), false for classification. */
  public boolean regression() {
    return classes.isEmpty();
  }

  /**
   * Human-readable name of each model input in layout order: numeric column names, then
   * {@code column=category} for each one-hot slot.
   */
  public List<String> featureNames() {
    List<String> names = new ArrayList<>(inputWidth());
    names.addAll(numericColumns);
    for (CategoricalColumn column : categoricalColumns) {
      for (String category : column.categories()) {
        names.add(column.name() + "=" + category);
      }
    }
    for (String column : indicatorColumns()) {
      names.add(column + " missing");
    }
    return List.copyOf(names);
  }

  /** Every feature column's handling: the given one or the defaults; rejects what cannot apply. */
  private static Map<String, MissingValues> resolveMissing(Map<String, MissingValues> given,
      List<String> numericColumns, List<CategoricalColumn> categoricalColumns) {
    if (given == null) {
      throw new IllegalArgumentException("missing must be a map, got null");
    }
    Map<String, MissingValues> resolved = new HashMap<>();
    for (String column : numericColumns) {
      MissingValues m = given.getOrDefault(column, MissingValues.defaults(true));
      if (m.impute() == Imputation.CONSTANT && !isDecimal(m.fillValue())) {
        throw new IllegalArgumentException("missing values of numeric column '" + column
            + "': the constant fill value '" + m.fillValue() + "' is not a decimal number");
      }
      resolved.put(column, m);
    }
    for (CategoricalColumn column : categoricalColumns) {
      MissingValues m = given.getOrDefault(column.name(), MissingValues.defaults(false));
      if (m.impute() == Imputation.MEAN || m.impute() == Imputation.MEDIAN) {
        throw new IllegalArgumentException("missing values of categorical column '" + column.name() + "': impute "
            + m.impute().name().toLowerCase(java.util.Locale.ROOT)
            + " applies to numeric columns only; use most_frequent or constant");
      }
      if (m.impute() == Imputation.CONSTANT && column.indexOf(m.fillValue()) < 0) {
        throw new IllegalArgumentException("missing values of categorical column '" + column.name()
            + "': the constant fill value '" + m.fillValue() + "' is not one of its categories "
            + column.categories());
      }
      resolved.put(column.name(), m);
    }
    for (String column : given.keySet()) {
      if (!resolved.containsKey(column)) {
        throw new IllegalArgumentException("missing values are given for '" + column
            + "', which is not a feature column (numeric: " + numericColumns + ", categorical: "
            + categoricalColumns.stream().map(CategoricalColumn::name).toList() + ")");
      }
    }
    return Map.copyOf(resolved);
  }

  private static boolean isDecimal(String text) {
    try {
      return Double.isFinite(Double.parseDouble(text.strip()));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void checkNewColumn(
      String column, String field, String labelColumn, Set<String> seen) {
    if (column.equals(labelColumn)) {
      throw new IllegalArgumentException(
          field + " lists the label column '" + labelColumn
              + "'; the label cannot also be a feature");
    }
    if (!seen.add(column)) {
      throw new IllegalArgumentException(
          field + " lists column '" + column
              + "' that is already used; each column may appear once across numericColumns"
              + " and categoricalColumns");
    }
  }

  private static <T> List<T> copyNonNull(List<T> list, String field) {
    if (list == null) {
      throw new IllegalArgumentException(field + " must be a list, got null");
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw new IllegalArgumentException(field + "[" + i + "] is null; entries must be set");
      }
    }
    return List.copyOf(list);
  }

  private static String firstDuplicate(List<String> values) {
    Set<String> seen = new HashSet<>();
    for (String v : values) {
      if (!seen.add(v)) {
        return v;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "TabularSchema[label=" + labelColumn + " " + classes + ", numeric=" + numericColumns
        + ", categorical=" + categoricalColumns.stream().map(CategoricalColumn::name).toList()
        + ", hidden=" + hiddenUnits + "]";
  }
}
