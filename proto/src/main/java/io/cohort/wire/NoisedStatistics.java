package io.cohort.wire;

import io.cohort.proto.v1.ColumnPreprocessing;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.NumericRange;
import io.cohort.proto.v1.TabularSpec;

/**
 * Issue 23 #2 under DP: the layout of a private job's noised feature statistics, shared by the nodes
 * (which clamp, centre and noise them) and the coordinator (which un-centres and post-processes the
 * noisy sum), in {@link StatisticsWords}'s flat order.
 *
 * <p>Each numeric value is clamped to its column's declared range [lo, hi] and centred on the middle
 * m = (lo + hi) / 2, so with h = (hi − lo) / 2 one row adds at most 1 to a count, h to a centred sum
 * and h² to a centred sum of squares; 1 to one category count per categorical column and 1 to one
 * class count. Divided by those bounds, one row changes the statistics by L2 norm at most
 * S = √(3·numeric + categorical + 1) ({@link #sensitivity}); a node adds N(0, (z·S·b)²) to a
 * statistic of bound b, which is the Gaussian mechanism with noise multiplier z.
 */
public final class NoisedStatistics {
  /** z when a private job states none. */
  public static final double DEFAULT_NOISE_MULTIPLIER = 5;

  private NoisedStatistics() {}

  /** The job's z. */
  public static double noiseMultiplier(TabularSpec t, double given) {
    return given > 0 ? given : DEFAULT_NOISE_MULTIPLIER;
  }

  /** S: the L2 sensitivity of the normalised statistics of {@code t}. */
  public static double sensitivity(TabularSpec t) {
    return Math.sqrt(3.0 * t.getNumericColumnsCount() + t.getCategoricalColumnsCount() + 1);
  }

  /**
   * The range of each numeric column, in order.
   *
   * @throws IllegalArgumentException naming the field of the first numeric column without a valid range
   */
  public static NumericRange[] ranges(TabularSpec t) {
    NumericRange[] out = new NumericRange[t.getNumericColumnsCount()];
    for (int j = 0; j < out.length; j++) {
      String name = t.getNumericColumns(j);
      NumericRange r = t.getColumnsList().stream().filter(c -> c.getName().equals(name)).findFirst()
          .filter(ColumnPreprocessing::hasRange).map(ColumnPreprocessing::getRange).orElse(null);
      if (r == null || !(r.getMin() < r.getMax()) || !Double.isFinite(r.getMin()) || !Double.isFinite(r.getMax())) {
        throw new IllegalArgumentException("field 'tabular.columns." + name + ".range' is required for a private job"
            + " with standardize federated: the public [min, max] of the column, e.g. range: [0, 200]; values are"
            + " clamped into it so one row's share of the noised sums is bounded");
      }
      out[j] = r;
    }
    return out;
  }

  /** b: what one row can add to each statistic after clamping and centring, in flat order. */
  public static double[] bounds(TabularSpec t) {
    NumericRange[] r = ranges(t);
    int n = r.length;
    double[] b = new double[StatisticsWords.statistics(t)];
    java.util.Arrays.fill(b, 1.0);
    for (int j = 0; j < n; j++) {
      double h = (r[j].getMax() - r[j].getMin()) / 2;
      b[n + j] = h;
      b[2 * n + j] = h * h;
    }
    return b;
  }

  /**
   * Centres flat statistics of values already clamped to the ranges: Σ(x − m) = Σx − m·c and
   * Σ(x − m)² = Σx² − 2m·Σx + m²·c. Exact algebra (the node's own sums, before noise).
   */
  public static double[] centre(TabularSpec t, double[] flat) {
    return shift(t, flat, true);
  }

  /** The inverse of {@link #centre}: sums of values from sums of centred values (post-processing of noisy sums). */
  public static double[] uncentre(TabularSpec t, double[] flat) {
    return shift(t, flat, false);
  }

  private static double[] shift(TabularSpec t, double[] flat, boolean toCentre) {
    NumericRange[] r = ranges(t);
    int n = r.length;
    double[] out = flat.clone();
    for (int j = 0; j < n; j++) {
      double m = (r[j].getMin() + r[j].getMax()) / 2;
      double c = flat[j];
      double s = flat[n + j];
      double q = flat[2 * n + j];
      if (toCentre) {
        out[n + j] = s - m * c;
        out[2 * n + j] = q - 2 * m * s + m * m * c;
      } else {
        out[n + j] = s + m * c;
        out[2 * n + j] = q + 2 * m * s + m * m * c;
      }
    }
    return out;
  }

  /**
   * Post-processing of the noisy, centred sum of the nodes' releases into statistics every node can scale and
   * impute with: counts at least 1 (category and class counts at least 0), each mean inside its range and
   * each variance in [(range / 20)², (range / 2)²] (the largest a variable in the range can have), then
   * un-centred. Uses nothing but the noisy sums and the public ranges, so it costs no privacy.
   */
  public static FederationStatistics postProcess(TabularSpec t, double[] noisyCentred, int nodes, double z,
      double epsilon, double delta) {
    NumericRange[] r = ranges(t);
    int n = r.length;
    double[] v = noisyCentred.clone();
    for (int j = 0; j < n; j++) {
      double h = (r[j].getMax() - r[j].getMin()) / 2;
      double count = Math.max(1, v[j]);
      double mean = Math.max(-h, Math.min(h, v[n + j] / count)); // centred: the range is [-h, h]
      double variance = v[2 * n + j] / count - mean * mean;
      // A spread below a twentieth of the range is taken as noise: scaling by it would blow the column up.
      double floor = Math.pow(h / 10, 2);
      variance = Math.max(floor, Math.min(h * h, variance));
      v[j] = count;
      v[n + j] = mean * count;
      v[2 * n + j] = (variance + mean * mean) * count;
    }
    for (int i = 3 * n; i < v.length; i++) {
      v[i] = Math.max(0, v[i]);
    }
    return StatisticsWords.unflatten(t, uncentre(t, v), nodes).toBuilder().setNoised(true).setNoiseMultiplier(z)
        .setEpsilon(epsilon).setDelta(delta).build();
  }
}
