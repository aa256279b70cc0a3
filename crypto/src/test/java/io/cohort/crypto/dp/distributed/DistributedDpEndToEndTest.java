package io.cohort.crypto.dp.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.DpParameterException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The maths of one distributed round end to end, without the masking (which adds and removes
 * the same words in Z_2^32): nodes encode their units' clipped gradients, the words are summed in
 * Z_2^32 (int overflow), the server decodes. Seeded; seeds in messages.
 */
class DistributedDpEndToEndTest {
  static final int D = 200;
  static final int UNITS_PER_NODE = 10;

  static DistributedDpParameters params() throws DpParameterException {
    // 3 nodes, floor 2, 16-bit ring, expected batch 30: C = 1, sigma = 1.
    return DistributedDpParameters.choose(DistributedDpParameters.Job.of(1.0, 1.0, D, 3, 2, 30).withBits(16));
  }

  /** A random vector of norm uniform in [0, C], C = 1. */
  static float[] clipped(SplittableRandom r) {
    float[] g = new float[D];
    double n2 = 0;
    for (int i = 0; i < D; i++) {
      g[i] = (float) r.nextGaussian();
      n2 += (double) g[i] * g[i];
    }
    double f = r.nextDouble() / Math.sqrt(n2) * 0.999;
    for (int i = 0; i < D; i++) {
      g[i] *= (float) f;
    }
    return g;
  }

  /**
   * Runs {@code reps} rounds with {@code nodes} nodes encoding for a claimed {@code contributors}
   * count; returns residuals' {std, max |residual|}.
   */
  static double[] run(DistributedDpParameters p, int nodes, int contributors, int reps, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    double sumSq = 0;
    double maxAbs = 0;
    long count = 0;
    for (int rep = 0; rep < reps; rep++) {
      byte[] rotationSeed = {(byte) rep, (byte) seed};
      double[] truth = new double[D];
      int[] words = new int[p.paddedDimension()];
      for (int node = 0; node < nodes; node++) {
        DistributedDpEncoder e = DistributedDpEncoder.seededForTest(p, rotationSeed, contributors,
            seed * 1000 + rep * 10 + node);
        for (int u = 0; u < UNITS_PER_NODE; u++) {
          float[] g = clipped(r);
          for (int i = 0; i < D; i++) {
            truth[i] += g[i];
          }
          e.addUnit(g);
        }
        int[] w = e.finish();
        for (int i = 0; i < w.length; i++) {
          words[i] += w[i]; // the Z_2^32 sum SecAgg delivers
        }
      }
      double[] sum = DistributedDpDecoder.noisySum(p, rotationSeed, words);
      double[] avg = DistributedDpDecoder.noisyAverage(p, rotationSeed, words);
      for (int i = 0; i < D; i++) {
        double res = sum[i] - truth[i];
        sumSq += res * res;
        maxAbs = Math.max(maxAbs, Math.abs(res));
        count++;
        assertThat(avg[i]).isCloseTo(sum[i] / 30, org.assertj.core.data.Offset.offset(1e-12));
      }
    }
    return new double[] {Math.sqrt(sumSq / count), maxAbs};
  }

  @Test
  void allNodes_decodedSumIsTruthPlusTargetNoise_noWrap() throws Exception {
    DistributedDpParameters p = params();
    long seed = 41;
    double[] r = run(p, 3, 3, 30, seed);
    // 6000 residuals: the std of the std estimate is ~1/sqrt(12000) = 0.009; rounding adds ~1e-4.
    assertThat(r[0]).as("seed=%d std", seed).isBetween(0.95, 1.05);
    // A wrap would put a residual near m / s; none is beyond 6 sigma.
    assertThat(p.modulus() / 2.0 / p.scale()).isGreaterThan(20); // a wrap shifts a coordinate by m / s
    assertThat(r[1]).as("seed=%d max |residual|", seed).isLessThan(6);
  }

  @Test
  void dropout_topUpKeepsTheNoiseAtTarget_withoutItTheNoiseFalls() throws Exception {
    DistributedDpParameters p = params();
    long seed = 42;
    double[] topUp = run(p, 2, 2, 30, seed); // 2 of 3 contribute and say so: shares grow to total/2
    assertThat(topUp[0]).as("seed=%d top-up std", seed).isGreaterThan(0.95);
    double[] naive = run(p, 2, 3, 30, seed); // had they kept total/3 shares: sqrt(2/3) = 0.82
    assertThat(naive[0]).as("seed=%d no top-up std", seed).isLessThan(0.88);
  }

  @Test
  void belowTheFloor_isRefused() throws Exception {
    DistributedDpParameters p = params();
    assertThatThrownBy(() -> DistributedDpEncoder.begin(p, new byte[] {1}, 1))
        .isInstanceOf(DpParameterException.class).hasMessageContaining("refusing the round")
        .hasMessageContaining("min_honest floor of 2");
    assertThatThrownBy(() -> DistributedDpEncoder.begin(p, new byte[] {1}, 4))
        .isInstanceOf(DpParameterException.class).hasMessageContaining("maxNodes");
  }

  @Test
  void overNormUnit_isReclipped_andRoundedNormBoundHolds() throws Exception {
    DistributedDpParameters p = params();
    DistributedDpEncoder e = DistributedDpEncoder.seededForTest(p, new byte[] {3}, 3, 7);
    float[] big = new float[D];
    java.util.Arrays.fill(big, 10f); // norm ~141 >> C
    for (int i = 0; i < 50; i++) {
      e.addUnit(big);
    }
    assertThat(e.units()).isEqualTo(50);
    // With beta = exp(-1/2) each draw is rejected with probability <= beta; far fewer in practice.
    assertThat(e.roundingRetries()).isLessThan(50);
    assertThat(e.finish()).hasSize(p.paddedDimension());
  }
}
