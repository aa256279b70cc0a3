package io.cohort.client.tabular;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * The rows of a CSV file, parsed against a {@link TabularSchema}: per row the numeric values,
 * the category index of each categorical column and the class index of the label.
 *
 * <p>The file is UTF-8 RFC 4180 text whose first line is a header; columns are matched by
 * header name, so their order is free and columns the schema does not name are ignored. Blank
 * lines are skipped. Rows are streamed: only the parsed values are kept, not the text.
 *
 * <p>Immutable after loading; row indices run from 0 to {@link #size()} - 1 in file order.
 */
public final class CsvDataset {
  /** A plain decimal number; {@link Double#parseDouble} alone would also take "0x1p3" or "1d". */
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  private static final String NUMBER_EXAMPLE = "expected a decimal number such as 42 or -1.5e3";
  /** A numeric cell that held a missing-value token. */
  private static final double MISSING_NUMBER = Double.NaN;
  /** A categorical cell that held a missing-value token. */
  private static final int MISSING_CATEGORY = -1;

  private final TabularSchema schema;
  private final String source;
  private final int size;
  private final double[] numeric; // size x numericColumns, row-major
  private final int[] categories; // size x categoricalColumns, row-major
  private final int[] labels;
  /** Regression jobs: each row's label as a number; null for classification. */
  private final double[] targets;
  /** Issue 19 #2: each row's privacy unit, numbered 0.. in order of first appearance; null without a unit column. */
  private final int[] units;
  private final int unitCount;

  private CsvDataset(
      TabularSchema schema, String source, int size, double[] numeric, int[] categories,
      int[] labels, double[] targets, int[] units, int unitCount) {
    this.targets = targets;
    this.schema = schema;
    this.source = source;
    this.size = size;
    this.numeric = numeric;
    this.categories = categories;
    this.labels = labels;
    this.units = units;
    this.unitCount = unitCount;
  }

  /**
   * Reads a UTF-8 CSV file. Messages of the {@link DatasetException} name the file as
   * {@code file.toString()}, the 1-based line and the column.
   */
  public static CsvDataset load(Path file, TabularSchema schema) throws DatasetException {
    return load(file, schema, null);
  }

  /**
   * As {@link #load(Path, TabularSchema)}, also reading each row's privacy unit from column {@code unitColumn}
   * (issue 19 #2; null for none): a row whose unit cell is empty is an error naming the file and line. The
   * unit's value is kept only as a number (first appearance order), never as text, and is no feature.
   */
  public static CsvDataset load(Path file, TabularSchema schema, String unitColumn) throws DatasetException {
    String source = file.toString();
    // A strict decoder (the default of newBufferedReader) reports bad bytes instead of
    // silently turning them into replacement characters that then miss every category.
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(reader, source, schema, unitColumn);
    } catch (NoSuchFileException e) {
      throw DatasetException.inFile(source, "no such file", "no such file", e);
    } catch (IOException e) {
      throw DatasetException.inFile(source, "cannot read: " + e, "cannot be read", e);
    }
  }

  /**
   * Reads CSV text from {@code reader}, naming it {@code source} in error messages. Does not
   * close the reader.
   */
  public static CsvDataset read(Reader reader, String source, TabularSchema schema)
      throws DatasetException {
    return read(reader, source, schema, null);
  }

  /** As {@link #read(Reader, String, TabularSchema)} with a privacy unit column (null for none). */
  public static CsvDataset read(Reader reader, String source, TabularSchema schema, String unitColumn)
      throws DatasetException {
    CsvRecordReader records = new CsvRecordReader(reader, source);
    try {
      return parse(records, source, schema, unitColumn);
    } catch (CharacterCodingException e) {
      // The decoder reads ahead in blocks, so the line is only a lower bound.
      String problem = "is not valid UTF-8 text (found at or after line " + records.line()
          + "); save the file as UTF-8";
      throw DatasetException.inFile(source, problem, problem, e);
    } catch (IOException e) {
      throw DatasetException.inFile(source, "cannot read: " + e, "cannot be read", e);
    }
  }

  private static CsvDataset parse(CsvRecordReader records, String source, TabularSchema schema, String unitColumn)
      throws IOException, DatasetException {
    IntFunction<String> headerField = i -> "field " + (i + 1) + " of the header";
    List<String> first = records.next(headerField);
    while (first != null && records.lastRecordBlank()) {
      first = records.next(headerField);
    }
    final List<String> header = first;
    if (header == null) {
      throw DatasetException.inFile(source,
          "empty file; expected a header line naming the columns, including '"
              + schema.labelColumn() + "'");
    }
    long headerLine = records.recordLine();
    Map<String, Integer> position = headerPositions(header, headerLine, source, schema);

    int labelField = position.get(schema.labelColumn());
    int unitField = unitColumn == null ? -1 : unitField(header, unitColumn, source);
    Map<String, Integer> unitIndex = new HashMap<>();
    List<String> numericNames = schema.numericColumns();
    int[] numericFields = new int[numericNames.size()];
    for (int j = 0; j < numericFields.length; j++) {
      numericFields[j] = position.get(numericNames.get(j));
    }
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    int[] categoricalFields = new int[categorical.size()];
    List<Map<String, Integer>> categoryIndex = new ArrayList<>();
    for (int j = 0; j < categoricalFields.length; j++) {
      CategoricalColumn column = categorical.get(j);
      categoricalFields[j] = position.get(column.name());
      categoryIndex.add(indexOf(column.categories()));
    }
    Map<String, Integer> classIndex = indexOf(schema.classes());
    MissingValues[] numericMissing = numericNames.stream().map(schema::missingValues).toArray(MissingValues[]::new);
    MissingValues[] categoricalMissing =
        categorical.stream().map(c -> schema.missingValues(c.name())).toArray(MissingValues[]::new);

    int nNumeric = numericFields.length;
    int nCategorical = categoricalFields.length;
    int capacity = 256;
    double[] numeric = new double[capacity * nNumeric];
    int[] categories = new int[capacity * nCategorical];
    int[] labels = new int[capacity];
    boolean regression = schema.regression();
    double[] targets = new double[regression ? capacity : 0];
    MissingValues noTokens = new MissingValues(List.of(), Imputation.MEAN, null, false);
    int[] units = unitField < 0 ? null : new int[capacity];
    int size = 0;

    List<String> fields;
    while ((fields = records.next(i -> columnName(header, i))) != null) {
      if (records.lastRecordBlank()) {
        continue;
      }
      long line = records.recordLine();
      if (fields.size() != header.size()) {
        throw DatasetException.atLine(source, line,
            "expected " + header.size() + " fields, found " + fields.size()
                + "; every row needs one value per header column (quote values that contain"
                + " commas)");
      }
      if (size == capacity) {
        long widest = Math.max(1, Math.max(nNumeric, nCategorical));
        if (2L * capacity * widest > Integer.MAX_VALUE - 8) {
          throw DatasetException.atLine(source, line,
              "too many rows for one node; at most " + capacity + " fit in memory arrays");
        }
        capacity *= 2;
        numeric = Arrays.copyOf(numeric, capacity * nNumeric);
        categories = Arrays.copyOf(categories, capacity * nCategorical);
        labels = Arrays.copyOf(labels, capacity);
        targets = Arrays.copyOf(targets, regression ? capacity : 0);
        units = units == null ? null : Arrays.copyOf(units, capacity);
      }
      if (units != null) {
        String unit = fields.get(unitField).strip();
        if (unit.isEmpty()) {
          String problem = "missing privacy unit: every row needs a value in column '" + unitColumn
              + "' (the job's privacy.unit), which names the person the row belongs to";
          throw DatasetException.atValue(source, line, unitColumn, problem, problem);
        }
        Integer u = unitIndex.get(unit);
        if (u == null) {
          u = unitIndex.size();
          unitIndex.put(unit, u);
        }
        units[size] = u;
      }
      if (regression) {
        // A regression label is the number to predict: a missing one cannot be filled in.
        targets[size] = parseNumber(fields.get(labelField), source, line, schema.labelColumn(), noTokens);
      } else {
        labels[size] = lookup(classIndex, schema.classes(), fields.get(labelField),
            source, line, schema.labelColumn(), "class", null);
      }
      for (int j = 0; j < nNumeric; j++) {
        String cell = fields.get(numericFields[j]);
        numeric[size * nNumeric + j] = numericMissing[j].isMissing(cell) ? MISSING_NUMBER
            : parseNumber(cell, source, line, numericNames.get(j), numericMissing[j]);
      }
      for (int j = 0; j < nCategorical; j++) {
        CategoricalColumn column = categorical.get(j);
        String cell = fields.get(categoricalFields[j]);
        // A declared category wins over a missing-value token ("?" may be a real category).
        categories[size * nCategorical + j] =
            !categoryIndex.get(j).containsKey(cell) && categoricalMissing[j].isMissing(cell) ? MISSING_CATEGORY
                : lookup(categoryIndex.get(j), column.categories(), cell, source, line, column.name(), "category",
                    categoricalMissing[j]);
      }
      size++;
    }
    if (size == 0) {
      throw DatasetException.inFile(source,
          "no data rows after the header line; expected at least one row");
    }
    return new CsvDataset(schema, source, size,
        Arrays.copyOf(numeric, size * nNumeric),
        Arrays.copyOf(categories, size * nCategorical),
        Arrays.copyOf(labels, size), regression ? Arrays.copyOf(targets, size) : null,
        units == null ? null : Arrays.copyOf(units, size), unitIndex.size());
  }

  private static int unitField(List<String> header, String unitColumn, String source) throws DatasetException {
    int at = header.indexOf(unitColumn);
    if (at < 0) {
      String problem = "missing column '" + unitColumn + "', the job's privacy unit (privacy.unit)";
      throw DatasetException.inFile(source, problem + " (header has: " + String.join(", ", header) + ")", problem);
    }
    if (header.lastIndexOf(unitColumn) != at) {
      String problem = "column '" + unitColumn + "' (privacy.unit) appears twice in the header";
      throw DatasetException.inFile(source, problem, problem);
    }
    return at;
  }

  /** Maps each schema column to its field index, rejecting missing and repeated columns. */
  private static Map<String, Integer> headerPositions(
      List<String> header, long headerLine, String source, TabularSchema schema)
      throws DatasetException {
    List<String> wanted = new ArrayList<>();
    wanted.add(schema.labelColumn());
    wanted.addAll(schema.numericColumns());
    for (CategoricalColumn column : schema.categoricalColumns()) {
      wanted.add(column.name());
    }
    Map<String, Integer> all = new HashMap<>();
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      Integer earlier = all.putIfAbsent(name, i);
      // A repeated column the schema does not use is harmless; one it uses is ambiguous.
      if (earlier != null && wanted.contains(name)) {
        throw DatasetException.atValue(source, headerLine, name,
            "appears twice in the header (fields " + (earlier + 1) + " and " + (i + 1)
                + "); each column the schema uses must appear once");
      }
    }
    List<String> missing = new ArrayList<>();
    for (String name : wanted) {
      Integer i = all.get(name);
      if (i == null) {
        missing.add("'" + name + "'");
      } else {
        position.put(name, i);
      }
    }
    if (!missing.isEmpty()) {
      String problem =
          "missing column" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing);
      // The local header may name columns the job does not know: they stay on the node.
      throw DatasetException.inFile(source,
          problem + " (header has: " + String.join(", ", header) + ")", problem);
    }
    return position;
  }

  private static String columnName(List<String> header, int index) {
    return index < header.size()
        ? header.get(index)
        : "field " + (index + 1) + " (beyond the " + header.size() + " header fields)";
  }

  private static Map<String, Integer> indexOf(List<String> values) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < values.size(); i++) {
      index.put(values.get(i), i);
    }
    return index;
  }

  private static int lookup(
      Map<String, Integer> index, List<String> valid, String value, String source, long line,
      String column, String what, MissingValues missing) throws DatasetException {
    Integer i = index.get(value);
    if (i == null) {
      // The declared values come with the job, so the public text may list them; the cell may not.
      String tokens = missing == null || missing.tokens().isEmpty() ? ""
          : " or a missing-value token " + tokenList(missing);
      throw DatasetException.atValue(source, line, column,
          quote(value) + " is not one of " + valid + tokens,
          (value.isBlank() ? "missing " + (what.equals("class") ? "label" : "value")
              : "not a declared " + what) + "; expected one of " + valid + tokens);
    }
    return i;
  }

  private static String tokenList(MissingValues missing) {
    return missing.tokens().stream().map(t -> "'" + t + "'").toList().toString();
  }

  private static double parseNumber(String text, String source, long line, String column,
      MissingValues missing) throws DatasetException {
    String trimmed = text.strip();
    String orMissing = missing.tokens().isEmpty() ? "" : " or a missing-value token " + tokenList(missing);
    if (trimmed.isEmpty()) {
      throw DatasetException.atValue(source, line, column,
          "empty value is not a number; " + NUMBER_EXAMPLE + orMissing,
          "missing value; " + NUMBER_EXAMPLE + orMissing);
    }
    if (!DECIMAL.matcher(trimmed).matches()) {
      String lower = trimmed.toLowerCase(Locale.ROOT);
      String problem = lower.contains("nan") || lower.contains("inf")
          ? "is not a finite number; " : "is not a number; ";
      throw DatasetException.atValue(source, line, column,
          quote(text) + " " + problem + NUMBER_EXAMPLE + orMissing,
          "value " + problem + NUMBER_EXAMPLE + orMissing);
    }
    double value = Double.parseDouble(trimmed);
    if (!Double.isFinite(value)) {
      throw DatasetException.atValue(source, line, column,
          quote(text) + " is too large for a double; expected a finite number",
          "value is too large for a double; expected a finite number");
    }
    return value;
  }

  /** The value in single quotes, cut short so one bad cell cannot flood a log. */
  private static String quote(String value) {
    return "'" + (value.length() > 80 ? value.substring(0, 77) + "..." : value) + "'";
  }

  /** The schema the rows were parsed against. */
  public TabularSchema schema() {
    return schema;
  }

  /** The file as the caller named it, for messages. */
  public String source() {
    return source;
  }

  /** Number of data rows. */
  public int size() {
    return size;
  }

  /**
   * Value of numeric column {@code column} (index into {@link TabularSchema#numericColumns}); NaN
   * where the cell was missing (see {@link #isMissingNumber}).
   */
  public double numeric(int row, int column) {
    return numeric[checkRow(row) * schema.numericColumns().size()
        + checkColumn(column, schema.numericColumns().size())];
  }

  /**
   * Category index of categorical column {@code column} (index into
   * {@link TabularSchema#categoricalColumns}), an index into that column's categories; -1 where
   * the cell was missing.
   */
  public int category(int row, int column) {
    return categories[checkRow(row) * schema.categoricalColumns().size()
        + checkColumn(column, schema.categoricalColumns().size())];
  }

  /** Whether numeric column {@code column} of {@code row} held a missing-value token. */
  public boolean isMissingNumber(int row, int column) {
    return Double.isNaN(numeric(row, column));
  }

  /** Whether categorical column {@code column} of {@code row} held a missing-value token. */
  public boolean isMissingCategory(int row, int column) {
    return category(row, column) == MISSING_CATEGORY;
  }

  /** Class index of the row's label, an index into {@link TabularSchema#classes}. */
  public int label(int row) {
    return labels[checkRow(row)];
  }

  /** Regression jobs: the row's label as a number. */
  public double target(int row) {
    if (targets == null) {
      throw new IllegalStateException("the dataset's label is a class, not a number: the job is not a regression");
    }
    return targets[checkRow(row)];
  }

  /** Whether the rows carry privacy units (issue 19 #2). */
  public boolean hasUnits() {
    return units != null;
  }

  /** The privacy unit of {@code row}, numbered from 0 in order of first appearance. */
  public int unit(int row) {
    if (units == null) {
      throw new IllegalStateException(source + " was loaded without a privacy unit column");
    }
    return units[checkRow(row)];
  }

  /** Number of distinct privacy units; 0 without a unit column. */
  public int unitCount() {
    return unitCount;
  }

  /** Number of rows of each class, indexed like {@link TabularSchema#classes}; regression: all rows in one. */
  public int[] classCounts() {
    int[] counts = new int[schema.numClasses()];
    for (int i = 0; i < size; i++) {
      counts[labels[i]]++;
    }
    return counts;
  }

  private int checkRow(int row) {
    if (row < 0 || row >= size) {
      throw new IndexOutOfBoundsException(
          "row " + row + " outside 0.." + (size - 1) + " of " + source);
    }
    return row;
  }

  private static int checkColumn(int column, int count) {
    if (column < 0 || column >= count) {
      throw new IndexOutOfBoundsException("column " + column + " outside 0.." + (count - 1));
    }
    return column;
  }

  @Override
  public String toString() {
    return "CsvDataset[" + source + ", " + size + " rows]";
  }
}
