package io.cohort.client.tabular;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.util.List;

/**
 * Turns dataset rows into model inputs: each numeric column standardised with a mean and
 * population standard deviation, then each categorical column as a one-hot block.
 *
 * <p>The layout is fixed by the schema alone: numeric columns in schema order, then the one-hot
 * block of each categorical column in schema order, slots in category order. It is therefore
 * identical on every node; only the scaling statistics, fitted on the node's own training rows,
 * differ.
 */
public final class FeatureEncoder {
  private final TabularSchema schema;
  private final double[] means;
  private final double[] scales;

  private FeatureEncoder(TabularSchema schema, double[] means, double[] scales) {
    this.schema = schema;
    this.means = means;
    this.scales = scales;
  }

  /**
   * Fits the scaling of each numeric column on {@code rows} only (normally the training rows,
   * so that validation rows do not leak into the scaling). A column whose standard deviation
   * is 0 gets scale 1, so it encodes as 0 rather than NaN.
   *
   * @throws IllegalArgumentException when {@code rows} is empty or the data was parsed against
   *     a schema with a different feature layout
   */
  public static FeatureEncoder fit(CsvDataset data, List<Integer> rows, TabularSchema schema) {
    requireSameFeatures(schema, data);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("rows is empty; fitting the scaling needs at least 1 row");
    }
    int n = schema.numericColumns().size();
    double[] means = new double[n];
    double[] scales = new double[n];
    for (int j = 0; j < n; j++) {
      // Two passes: the textbook one-pass formula loses all precision for large, tight values.
      double sum = 0;
      for (int row : rows) {
        sum += data.numeric(row, j);
      }
      double mean = sum / rows.size();
      double squares = 0;
      for (int row : rows) {
        double d = data.numeric(row, j) - mean;
        squares += d * d;
      }
      double std = Math.sqrt(squares / rows.size());
      means[j] = mean;
      scales[j] = std > 0 && Double.isFinite(std) ? std : 1.0;
    }
    return new FeatureEncoder(schema, means, scales);
  }

  /** Encodes {@code rows} of {@code data}, in the order given. */
  public EncodedData encode(CsvDataset data, List<Integer> rows) {
    requireSameFeatures(schema, data);
    int width = schema.inputWidth();
    int numeric = means.length;
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    float[] features = new float[Math.multiplyExact(rows.size(), width)];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      int row = rows.get(i);
      int base = i * width;
      for (int j = 0; j < numeric; j++) {
        features[base + j] = (float) ((data.numeric(row, j) - means[j]) / scales[j]);
      }
      int offset = base + numeric;
      for (int j = 0; j < categorical.size(); j++) {
        features[offset + data.category(row, j)] = 1f;
        offset += categorical.get(j).categories().size();
      }
      labels[i] = data.label(row);
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

  /** Fitted mean of each numeric column, in schema order (a copy). */
  public double[] means() {
    return means.clone();
  }

  /** Fitted scale (population standard deviation, or 1) of each numeric column (a copy). */
  public double[] scales() {
    return scales.clone();
  }

  private static void requireSameFeatures(TabularSchema schema, CsvDataset data) {
    if (!schema.sameFeatures(data.schema())) {
      throw new IllegalArgumentException(
          "data " + data.source() + " was parsed against " + data.schema()
              + ", whose features differ from " + schema);
    }
  }
}
