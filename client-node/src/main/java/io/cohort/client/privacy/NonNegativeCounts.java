package io.cohort.client.privacy;

import java.util.Arrays;

/**
 * Issue 19 (bias of the noised histograms): turns noisy counts into non-negative whole counts without
 * inflating their total. Clamping each noisy bin at 0 adds about 0.4 sigma to every empty bin, so a
 * histogram of mostly empty bins grew to three times its true count; here the noisy total (unbiased)
 * is kept, and the counts are the least-squares projection of the noisy bins onto the non-negative
 * vectors with that total (the scaled simplex: subtract one threshold, clamp at 0), then rounded by
 * largest remainder so they still sum to the total. Post-processing of the noisy release: no charge.
 */
final class NonNegativeCounts {
  private NonNegativeCounts() {}

  /**
   * Non-negative whole counts closest (in L2, before rounding) to {@code noisy} with sum equal to the
   * noisy total rounded, or 0 when that total is negative.
   */
  static long[] project(double[] noisy) {
    double sum = 0;
    for (double v : noisy) {
      sum += v;
    }
    long total = Math.max(0, Math.round(sum));
    long[] out = new long[noisy.length];
    if (total == 0 || noisy.length == 0) {
      return out;
    }
    double tau = threshold(noisy, total);
    double[] x = new double[noisy.length];
    long floors = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.max(0, noisy[i] - tau);
      out[i] = (long) Math.floor(x[i]);
      floors += out[i];
    }
    // Largest remainder: the bins with the largest fractional parts take the units the floors left over.
    Integer[] order = new Integer[x.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(x[b] - Math.floor(x[b]), x[a] - Math.floor(x[a])));
    for (int k = 0; floors < total; k = (k + 1) % order.length) {
      out[order[k]]++;
      floors++;
    }
    for (int k = order.length - 1; floors > total; k = (k - 1 + order.length) % order.length) {
      if (out[order[k]] > 0) { // floating-point slack only: never below 0
        out[order[k]]--;
        floors--;
      }
    }
    return out;
  }

  /** tau with sum_i max(0, v_i - tau) = total (> 0): the simplex projection's threshold. */
  private static double threshold(double[] v, double total) {
    double[] u = v.clone();
    Arrays.sort(u);
    double prefix = 0;
    double tau = 0;
    for (int k = 1; k <= u.length; k++) {
      prefix += u[u.length - k];
      double t = (prefix - total) / k;
      if (u[u.length - k] - t > 0) {
        tau = t;
      }
    }
    return tau;
  }
}
