package io.cohort.crypto.dp.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.dp.DiscreteGaussianSampler;
import io.cohort.crypto.dp.internal.CtrDrbgStream;
import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exact discrete Gaussian with a rational variance (what a node's share is) against its exact
 * distribution, the normaliser summed: mean, variance, fourth moment and tail masses; and the sum of
 * n shares against the target variance. Seeded; the seed is in every message.
 */
class DistributedDiscreteGaussianSharesTest {
  /** Exact P[X = x] for N_Z(0, s2), normalised by summation over |x| <= 60 sqrt(s2) + 60. */
  static double[] exactPmf(double s2, int half) {
    int far = (int) Math.ceil(60 * Math.sqrt(s2)) + 60;
    double z = 0;
    for (int x = -far; x <= far; x++) {
      z += Math.exp(-(double) x * x / (2 * s2));
    }
    double[] p = new double[2 * half + 1];
    for (int x = -half; x <= half; x++) {
      p[x + half] = Math.exp(-(double) x * x / (2 * s2)) / z;
    }
    return p;
  }

  @ParameterizedTest
  @CsvSource({"1, 4, 21", "7, 2, 22", "1000, 3, 23"})
  void momentsAndTails_matchTheExactPmf(long num, long den, long seed) throws Exception {
    double s2 = (double) num / den;
    int n = 100_000;
    DiscreteGaussianSampler s = DiscreteGaussianSampler.ofVariance(BigInteger.valueOf(num), BigInteger.valueOf(den),
        CtrDrbgStream.forTesting(seed, 1));
    int half = (int) Math.ceil(14 * Math.sqrt(s2)) + 3;
    double[] p = exactPmf(s2, half);
    double mean = 0;
    double var = 0;
    double m4 = 0;
    for (int x = -half; x <= half; x++) {
      var += p[x + half] * x * x;
      m4 += p[x + half] * Math.pow(x, 4);
    }
    int[] tailAt = {(int) Math.ceil(Math.sqrt(s2)), (int) Math.ceil(2 * Math.sqrt(s2)), (int) Math.ceil(3 * Math.sqrt(s2))};
    double[] tailExact = new double[tailAt.length];
    for (int k = 0; k < tailAt.length; k++) {
      for (int x = -half; x <= half; x++) {
        if (Math.abs(x) >= tailAt[k]) {
          tailExact[k] += p[x + half];
        }
      }
    }
    double sum = 0;
    double sumSq = 0;
    double sum4 = 0;
    long[] tailCount = new long[tailAt.length];
    for (int i = 0; i < n; i++) {
      long x = s.sample();
      assertThat(Math.abs(x)).as("seed=%d: |x| beyond 14 sigma", seed).isLessThanOrEqualTo(half);
      sum += x;
      sumSq += (double) x * x;
      sum4 += Math.pow(x, 4);
      for (int k = 0; k < tailAt.length; k++) {
        if (Math.abs(x) >= tailAt[k]) {
          tailCount[k]++;
        }
      }
    }
    String msg = "seed=" + seed + " variance=" + num + "/" + den;
    assertThat(Math.abs(sum / n - mean)).as(msg + " mean").isLessThan(5 * Math.sqrt(var / n));
    assertThat(Math.abs(sumSq / n - var)).as(msg + " variance").isLessThan(5 * Math.sqrt((m4 - var * var) / n));
    double m8 = 0;
    for (int x = -half; x <= half; x++) {
      m8 += p[x + half] * Math.pow(x, 8);
    }
    assertThat(Math.abs(sum4 / n - m4)).as(msg + " fourth moment").isLessThan(5 * Math.sqrt((m8 - m4 * m4) / n));
    for (int k = 0; k < tailAt.length; k++) {
      double pk = tailExact[k];
      assertThat(Math.abs((double) tailCount[k] / n - pk)).as(msg + " P[|X| >= " + tailAt[k] + "]")
          .isLessThan(5 * Math.sqrt(pk * (1 - pk) / n) + 1.0 / n);
    }
    if (s2 >= 1) {
      // For sigma >= 1 the variance is sigma^2 up to < 1e-6 (Canonne, Kamath, Steinke 2020, Prop. 19).
      assertThat(var / s2).as(msg).isBetween(1 - 1e-6, 1 + 1e-12);
    } else {
      assertThat(var).as(msg + ": at sigma = 1/2 the lattice shows").isLessThan(0.9 * s2);
    }
  }

  @ParameterizedTest
  @CsvSource({"3, 31", "2, 32"})
  void sumOfNodeShares_hasTheTargetVariance(int contributors, long seed) throws Exception {
    long total = 900;
    DiscreteGaussianSampler[] nodes = new DiscreteGaussianSampler[contributors];
    for (int i = 0; i < contributors; i++) {
      nodes[i] = DiscreteGaussianSampler.ofVariance(BigInteger.valueOf(total), BigInteger.valueOf(contributors),
          CtrDrbgStream.forTesting(seed, 10 + i));
    }
    int n = 40_000;
    double sum = 0;
    double sumSq = 0;
    for (int r = 0; r < n; r++) {
      long y = 0;
      for (DiscreteGaussianSampler s : nodes) {
        y += s.sample();
      }
      sum += y;
      sumSq += (double) y * y;
    }
    double mean = sum / n;
    double var = sumSq / n - mean * mean;
    // Each share's exact variance is total/k to < 1e-6 relative (sigma_s >= 17), so the sum's is total.
    String msg = "seed=" + seed + " k=" + contributors;
    assertThat(Math.abs(mean)).as(msg).isLessThan(5 * Math.sqrt(total / (double) n));
    assertThat(Math.abs(var / total - 1)).as(msg + " var=" + var).isLessThan(5 * Math.sqrt(2.0 / n));
  }
}
