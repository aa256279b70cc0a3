package io.cohort.client.tabular;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 *     class of a binary task)
 * @param numericColumns header names of numeric features, in layout order
 * @param categoricalColumns categorical features with their categories, in layout order
 * @param hiddenUnits width of each hidden layer of the classifier, input side first; may be empty
 */
public record TabularSchema(
    String labelColumn,
    List<String> classes,
    List<String> numericColumns,
    List<CategoricalColumn> categoricalColumns,
    List<Integer> hiddenUnits) {

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

    if (classes.size() < 2) {
      throw new IllegalArgumentException(
          "classes must list at least 2 distinct values, got " + classes);
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

    for (int i = 0; i < hiddenUnits.size(); i++) {
      if (hiddenUnits.get(i) <= 0) {
        throw new IllegalArgumentException(
            "hiddenUnits[" + i + "] is " + hiddenUnits.get(i) + "; layer widths must be positive");
      }
    }
  }

  /** Number of model inputs: one per numeric column plus one per category of each column. */
  public int inputWidth() {
    int width = numericColumns.size();
    for (CategoricalColumn column : categoricalColumns) {
      width += column.categories().size();
    }
    return width;
  }

  /**
   * True when both schemas give the same feature layout and classes, i.e. data encoded under
   * one fits a model built for the other; the hidden layer sizes may differ.
   */
  public boolean sameFeatures(TabularSchema other) {
    return labelColumn.equals(other.labelColumn)
        && classes.equals(other.classes)
        && numericColumns.equals(other.numericColumns)
        && categoricalColumns.equals(other.categoricalColumns);
  }

  /** Number of classes, i.e. of model outputs. */
  public int numClasses() {
    return classes.size();
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
    return List.copyOf(names);
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
