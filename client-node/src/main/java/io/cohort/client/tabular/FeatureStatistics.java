package io.cohort.client.tabular;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.util.Arrays;
import java.util.List;

/**
 * Sums that fix a tabular job's fill values and scaling, additive across nodes: per numeric column
 * the count, sum and sum of squares of its present values; per categorical column the count of
 * each category; per class the count of rows. The sum of the nodes' statistics is the statistics
 * of the pooled rows, so a federation that adds them up (issue 23 item 2: through secure
 * aggregation, not built yet) lets every node impute and scale alike with
 * {@link FeatureEncoder#fromStatistics}.
 *
 * <p>Medians are not sums: a column with {@link Imputation#MEDIAN} cannot be filled from these.
 *
 * @param numericCount present values per numeric column
 * @param numericSum sum of the present values per numeric column
 * @param numericSumOfSquares sum of their squares per numeric column
 * @param categoryCounts per categorical column, the count of each category (missing cells not counted)
 * @param classCounts rows per class
 */
public record FeatureStatistics(double[] numericCount, double[] numericSum, double[] numericSumOfSquares,
    double[][] categoryCounts, double[] classCounts) {

  /** The statistics of {@code rows} of {@code data}. */
  public static FeatureStatistics of(CsvDataset data, List<Integer> rows) {
    return of(data, rows, null, null);
  }

  /**
   * The statistics of {@code rows} of {@code data} with each numeric column's values clamped into
   * [{@code min[j]}, {@code max[j]}] (issue 23 #2 under DP: what one row adds is then bounded); no
   * clamping when {@code min} is null.
   */
  public static FeatureStatistics of(CsvDataset data, List<Integer> rows, double[] min, double[] max) {
    TabularSchema schema = data.schema();
    int n = schema.numericColumns().size();
    double[] count = new double[n];
    double[] sum = new double[n];
    double[] squares = new double[n];
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    double[][] categories = new double[categorical.size()][];
    for (int j = 0; j < categories.length; j++) {
      categories[j] = new double[categorical.get(j).categories().size()];
    }
    double[] classes = new double[schema.numClasses()];
    for (int row : rows) {
      for (int j = 0; j < n; j++) {
        if (!data.isMissingNumber(row, j)) {
          double v = min == null ? data.numeric(row, j) : Math.max(min[j], Math.min(max[j], data.numeric(row, j)));
          count[j]++;
          sum[j] += v;
          squares[j] += v * v;
        }
      }
      for (int j = 0; j < categories.length; j++) {
        if (!data.isMissingCategory(row, j)) {
          categories[j][data.category(row, j)]++;
        }
      }
      classes[data.label(row)]++;
    }
    return new FeatureStatistics(count, sum, squares, categories, classes);
  }

  /** The element-wise sum of this and {@code other} (the statistics of both sets of rows). */
  public FeatureStatistics plus(FeatureStatistics other) {
    double[][] categories = new double[categoryCounts.length][];
    for (int j = 0; j < categories.length; j++) {
      categories[j] = add(categoryCounts[j], other.categoryCounts[j]);
    }
    return new FeatureStatistics(add(numericCount, other.numericCount), add(numericSum, other.numericSum),
        add(numericSumOfSquares, other.numericSumOfSquares), categories, add(classCounts, other.classCounts));
  }

  /** Mean of numeric column {@code j}'s present values; 0 when none is present. */
  public double mean(int j) {
    return numericCount[j] > 0 ? numericSum[j] / numericCount[j] : 0;
  }

  /**
   * Population standard deviation of numeric column {@code j}; from sums, so it loses precision
   * when the values are large and tight (variance far below mean squared), and is clamped at 0.
   */
  public double std(int j) {
    if (numericCount[j] <= 0) {
      return 0;
    }
    double m = mean(j);
    return Math.sqrt(Math.max(0, numericSumOfSquares[j] / numericCount[j] - m * m));
  }

  /** The most frequent category of categorical column {@code j}; the first in order on ties. */
  public int mostFrequentCategory(int j) {
    double[] c = categoryCounts[j];
    int best = 0;
    for (int i = 1; i < c.length; i++) {
      if (c[i] > c[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double[] add(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("statistics of different layouts: " + a.length + " vs " + b.length);
    }
    double[] out = Arrays.copyOf(a, a.length);
    for (int i = 0; i < out.length; i++) {
      out[i] += b[i];
    }
    return out;
  }
}
