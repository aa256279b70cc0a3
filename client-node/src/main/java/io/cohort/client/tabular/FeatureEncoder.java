package io.cohort.client.tabular;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns dataset rows into model inputs: each numeric column, its missing cells filled, then
 * standardised with a mean and population standard deviation; then each categorical column as a
 * one-hot block (a missing cell takes its column's fill category); then one 0/1 input per
 * missing-value indicator ({@link TabularSchema#indicatorColumns()}).
 *
 * <p>The layout is fixed by the schema alone: numeric columns in schema order, then the one-hot
 * block of each categorical column in schema order, slots in category order, then the indicators.
 * It is therefore identical on every node; only the fill values and scaling statistics, fitted on
 * the node's own training rows, differ.
 */
public final class FeatureEncoder {
  private final TabularSchema schema;
  private final double[] means;
  private final double[] scales;
  private final double[] numericFill;
  private final int[] categoryFill;
  /** Regression: the label's mean and standard deviation over the fitted rows (0 and 1 without scaling). */
  private double targetCenter = 0;
  private double targetScale = 1;

  private FeatureEncoder(TabularSchema schema, double[] means, double[] scales, double[] numericFill,
      int[] categoryFill) {
    this.schema = schema;
    this.means = means;
    this.scales = scales;
    this.numericFill = numericFill;
    this.categoryFill = categoryFill;
  }

  /** {@link #fit(CsvDataset, List, TabularSchema, Standardize)} with local standardisation. */
  public static FeatureEncoder fit(CsvDataset data, List<Integer> rows, TabularSchema schema) {
    return fit(data, rows, schema, Standardize.LOCAL);
  }

  /**
   * Fits the fill values and the scaling of each column on {@code rows} only (normally the
   * training rows, so that validation rows do not leak into them). Scaling statistics are taken
   * over a column's present values. A column whose standard deviation is 0 gets scale 1, so it
   * encodes as 0 rather than NaN; a column with no present value in {@code rows} fills with 0 (a
   * numeric column) or its first category.
   *
   * @throws IllegalArgumentException when {@code rows} is empty or the data was parsed against
   *     a schema with a different feature layout
   */
  public static FeatureEncoder fit(CsvDataset data, List<Integer> rows, TabularSchema schema,
      Standardize standardize) {
    requireSameFeatures(schema, data);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("rows is empty; fitting the scaling needs at least 1 row");
    }
    List<String> numericColumns = schema.numericColumns();
    int n = numericColumns.size();
    double[] means = new double[n];
    double[] scales = new double[n];
    double[] fill = new double[n];
    for (int j = 0; j < n; j++) {
      double[] present = presentValues(data, rows, j);
      double mean = mean(present);
      means[j] = standardize == Standardize.NONE ? 0 : mean;
      scales[j] = standardize == Standardize.NONE ? 1 : scale(present, mean);
      fill[j] = numericFill(schema.missingValues(numericColumns.get(j)), present, mean);
    }
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    int[] categoryFill = new int[categorical.size()];
    for (int j = 0; j < categorical.size(); j++) {
      CategoricalColumn column = categorical.get(j);
      MissingValues m = schema.missingValues(column.name());
      categoryFill[j] = m.impute() == Imputation.CONSTANT ? column.indexOf(m.fillValue())
          : mostFrequentCategory(data, rows, j, column.categories().size());
    }
    FeatureEncoder encoder = new FeatureEncoder(schema, means, scales, fill, categoryFill);
    if (schema.regression() && standardize != Standardize.NONE) {
      // The network learns the label standardised like a feature (a raw label of ~100 would take the output
      // bias thousands of Adam steps to reach); evaluation maps predictions back to the label's units.
      double[] y = rows.stream().mapToDouble(data::target).toArray();
      encoder.targetCenter = mean(y);
      encoder.targetScale = scale(y, encoder.targetCenter);
    }
    return encoder;
  }

  /**
   * An encoder whose fill values and scaling come from {@code stats} (for example the sum of every
   * node's {@link FeatureStatistics}) rather than from one node's rows. Means, standard deviations
   * and most frequent categories come from the sums; a numeric {@link Imputation#MOST_FREQUENT}
   * falls back to the mean, since sums hold no mode.
   *
   * @throws IllegalArgumentException when a column imputes with {@link Imputation#MEDIAN}, which
   *     sums cannot give
   */
  public static FeatureEncoder fromStatistics(TabularSchema schema, FeatureStatistics stats,
      Standardize standardize) {
    List<String> numericColumns = schema.numericColumns();
    int n = numericColumns.size();
    double[] means = new double[n];
    double[] scales = new double[n];
    double[] fill = new double[n];
    for (int j = 0; j < n; j++) {
      MissingValues m = schema.missingValues(numericColumns.get(j));
      if (m.impute() == Imputation.MEDIAN) {
        throw new IllegalArgumentException("column '" + numericColumns.get(j)
            + "' imputes the median, which sums of statistics cannot give; use mean, most_frequent or constant");
      }
      double mean = stats.mean(j);
      double std = stats.std(j);
      means[j] = standardize == Standardize.NONE ? 0 : mean;
      scales[j] = standardize == Standardize.NONE || !(std > 0) || !Double.isFinite(std) ? 1 : std;
      fill[j] = m.impute() == Imputation.CONSTANT ? Double.parseDouble(m.fillValue().strip()) : mean;
    }
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    int[] categoryFill = new int[categorical.size()];
    for (int j = 0; j < categorical.size(); j++) {
      MissingValues m = schema.missingValues(categorical.get(j).name());
      categoryFill[j] = m.impute() == Imputation.CONSTANT ? categorical.get(j).indexOf(m.fillValue())
          : stats.mostFrequentCategory(j);
    }
    return new FeatureEncoder(schema, means, scales, fill, categoryFill);
  }

  private static double[] presentValues(CsvDataset data, List<Integer> rows, int column) {
    double[] values = new double[rows.size()];
    int k = 0;
    for (int row : rows) {
      if (!data.isMissingNumber(row, column)) {
        values[k++] = data.numeric(row, column);
      }
    }
    return Arrays.copyOf(values, k);
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return values.length == 0 ? 0 : sum / values.length;
  }

  /** Population standard deviation; two passes, as the one-pass formula loses all precision for large, tight values. */
  private static double scale(double[] values, double mean) {
    double squares = 0;
    for (double v : values) {
      double d = v - mean;
      squares += d * d;
    }
    double std = values.length == 0 ? 0 : Math.sqrt(squares / values.length);
    return std > 0 && Double.isFinite(std) ? std : 1.0;
  }

  private static double numericFill(MissingValues m, double[] present, double mean) {
    return switch (m.impute()) {
      case MEAN -> mean;
      case MEDIAN -> median(present);
      case MOST_FREQUENT -> mostFrequent(present);
      case CONSTANT -> Double.parseDouble(m.fillValue().strip());
    };
  }

  private static double median(double[] values) {
    if (values.length == 0) {
      return 0;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The most frequent value; the smallest of equally frequent ones, so the result does not depend on row order. */
  private static double mostFrequent(double[] values) {
    Map<Double, Integer> counts = new HashMap<>();
    double best = 0;
    int bestCount = 0;
    for (double v : values) {
      int c = counts.merge(v, 1, Integer::sum);
      if (c > bestCount || (c == bestCount && v < best)) {
        best = v;
        bestCount = c;
      }
    }
    return best;
  }

  /** The most frequent category index; the first in category order among equally frequent ones. */
  private static int mostFrequentCategory(CsvDataset data, List<Integer> rows, int column, int categories) {
    int[] counts = new int[categories];
    for (int row : rows) {
      if (!data.isMissingCategory(row, column)) {
        counts[data.category(row, column)]++;
      }
    }
    int best = 0;
    for (int c = 1; c < categories; c++) {
      if (counts[c] > counts[best]) {
        best = c;
      }
    }
    return best;
  }

  /** Encodes {@code rows} of {@code data}, in the order given. */
  public EncodedData encode(CsvDataset data, List<Integer> rows) {
    requireSameFeatures(schema, data);
    int width = schema.inputWidth();
    int numeric = means.length;
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    boolean[] numericIndicator = new boolean[numeric];
    boolean[] categoricalIndicator = new boolean[categorical.size()];
    for (int j = 0; j < numeric; j++) {
      numericIndicator[j] = schema.missingValues(schema.numericColumns().get(j)).indicator();
    }
    for (int j = 0; j < categorical.size(); j++) {
      categoricalIndicator[j] = schema.missingValues(categorical.get(j).name()).indicator();
    }
    int indicatorStart = width - schema.indicatorColumns().size();
    float[] features = new float[Math.multiplyExact(rows.size(), width)];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      int row = rows.get(i);
      int base = i * width;
      int indicator = base + indicatorStart;
      for (int j = 0; j < numeric; j++) {
        boolean missing = data.isMissingNumber(row, j);
        double value = missing ? numericFill[j] : data.numeric(row, j);
        features[base + j] = (float) ((value - means[j]) / scales[j]);
        if (numericIndicator[j]) {
          features[indicator++] = missing ? 1f : 0f;
        }
      }
      int offset = base + numeric;
      for (int j = 0; j < categorical.size(); j++) {
        boolean missing = data.isMissingCategory(row, j);
        features[offset + (missing ? categoryFill[j] : data.category(row, j))] = 1f;
        offset += categorical.get(j).categories().size();
        if (categoricalIndicator[j]) {
          features[indicator++] = missing ? 1f : 0f;
        }
      }
      labels[i] = data.label(row);
    }
    if (schema.regression()) {
      double[] targets = rows.stream().mapToDouble(data::target).toArray();
      return EncodedData.regression(features, width, targets, targetCenter, targetScale);
    }
    return new EncodedData(features, width, labels, schema.numClasses());
  }

  /** The schema whose layout this encoder produces. */
  public TabularSchema schema() {
    return schema;
  }

  /** Width of each encoded row: {@link TabularSchema#inputWidth()}. */
  public int width() {
    return schema.inputWidth();
  }

  /** Fitted mean of each numeric column, in schema order (a copy); 0 without standardisation. */
  public double[] means() {
    return means.clone();
  }

  /** Fitted scale (population standard deviation, or 1) of each numeric column (a copy). */
  public double[] scales() {
    return scales.clone();
  }

  /** The value a missing cell of each numeric column takes before scaling, in schema order (a copy). */
  public double[] numericFill() {
    return numericFill.clone();
  }

  /** The category index a missing cell of each categorical column takes, in schema order (a copy). */
  public int[] categoryFill() {
    return categoryFill.clone();
  }

  private static void requireSameFeatures(TabularSchema schema, CsvDataset data) {
    if (!schema.sameFeatures(data.schema())) {
      throw new IllegalArgumentException(
          "data " + data.source() + " was parsed against " + data.schema()
              + ", whose features differ from " + schema);
    }
  }
}
