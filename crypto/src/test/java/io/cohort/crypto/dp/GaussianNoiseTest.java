package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.dp.internal.SpecialFunctions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Statistical tests of the Gaussian noise; all seeded, the seed is in every failure message. */
class GaussianNoiseTest {
  private static final long SEED = 20260401L;

  @Test
  void oneMillionSamples_haveMeanVarianceAndKsOfStandardNormal() throws Exception {
    int n = 1_000_000;
    double stddev = 2.5;
    float[] x = GaussianNoise.seededForTest(SEED).sample(n, stddev);
    double mean = Arrays.stream(toDouble(x)).average().orElseThrow();
    double var = Arrays.stream(toDouble(x)).map(v -> (v - mean) * (v - mean)).sum() / (n - 1);
    String seed = "seed=" + SEED;
    // 5-sigma acceptance bands for the sample mean and variance.
    assertThat(Math.abs(mean)).as(seed).isLessThan(5 * stddev / Math.sqrt(n));
    assertThat(Math.abs(var / (stddev * stddev) - 1)).as(seed).isLessThan(5 * Math.sqrt(2.0 / n));
    // Kolmogorov-Smirnov against N(0, stddev^2): critical value at alpha = 0.001 is 1.949/sqrt(n).
    double[] s = toDouble(x);
    Arrays.sort(s);
    double d = 0;
    for (int i = 0; i < n; i++) {
      double f = SpecialFunctions.normalCdf(s[i] / stddev);
      d = Math.max(d, Math.max(f - (double) i / n, (i + 1.0) / n - f));
    }
    assertThat(d).as(seed + " KS D").isLessThan(1.949 / Math.sqrt(n));
  }

  @Test
  void manySmallReleases_togetherFitTheNormal_ks() throws Exception {
    // A small model's per-step noise: small vectors, small keystream buffers, one stream per call.
    GaussianNoise g = GaussianNoise.seededForTest(SEED + 3);
    int calls = 400;
    int size = 517;
    double[] s = new double[calls * size];
    for (int c = 0; c < calls; c++) {
      float[] x = g.sample(size, 1.0);
      for (int i = 0; i < size; i++) {
        s[c * size + i] = x[i];
      }
    }
    Arrays.sort(s);
    int n = s.length;
    double d = 0;
    for (int i = 0; i < n; i++) {
      double f = SpecialFunctions.normalCdf(s[i]);
      d = Math.max(d, Math.max(f - (double) i / n, (i + 1.0) / n - f));
    }
    System.out.println("manySmallReleases seed=" + (SEED + 3) + " KS D=" + d);
    assertThat(d).as("seed=" + (SEED + 3) + " KS D").isLessThan(1.949 / Math.sqrt(n));
  }

  @Test
  void tails_matchNormalTailProbabilities() throws Exception {
    int n = 4_000_000;
    float[] x = GaussianNoise.seededForTest(SEED + 1).sample(n, 1.0);
    // 3 sigma, the ziggurat's tail start r = 3.4426 and 4 sigma: counts vs binomial 5-sigma bands.
    for (double z : new double[] {1.0, 3.0, 3.442619855899, 4.0, 4.5}) {
      long count = 0;
      for (float v : x) {
        if (Math.abs(v) > z) {
          count++;
        }
      }
      double p = 2 * SpecialFunctions.normalTail(z);
      double sd = Math.sqrt(n * p * (1 - p));
      assertThat(Math.abs(count - n * p)).as("seed=" + (SEED + 1) + " |x|>" + z + " count=" + count)
          .isLessThan(5 * sd + 1);
    }
  }

  @Test
  void noise_isAddedInPlace_andZeroStddevChangesNothing() throws Exception {
    float[] v = {1f, 2f, 3f};
    GaussianNoise.seededForTest(SEED).addNoise(v, 0);
    assertThat(v).containsExactly(1f, 2f, 3f);
    float[] w = new float[1000];
    Arrays.fill(w, 100f);
    GaussianNoise.seededForTest(SEED).addNoise(w, 1e-3);
    for (float f : w) {
      assertThat(f).isBetween(99.99f, 100.01f);
    }
  }

  @Test
  void parallelSlicesAndSuccessiveCalls_areIndependent() throws Exception {
    GaussianNoise g = GaussianNoise.seededForTest(SEED + 2);
    int slice = 1 << 20;
    float[] x = g.sample(2 * slice, 1.0);
    float[] y = g.sample(slice, 1.0);
    double c1 = 0;
    double c2 = 0;
    for (int i = 0; i < slice; i++) {
      c1 += x[i] * x[i + slice];
      c2 += x[i] * y[i];
    }
    assertThat(Math.abs(c1 / slice)).as("seed=" + (SEED + 2)).isLessThan(5 / Math.sqrt(slice));
    assertThat(Math.abs(c2 / slice)).as("seed=" + (SEED + 2)).isLessThan(5 / Math.sqrt(slice));
  }

  @Test
  void secureInstances_differAcrossCalls() throws Exception {
    GaussianNoise g = GaussianNoise.create();
    assertThat(g.sample(16, 1.0)).isNotEqualTo(g.sample(16, 1.0));
  }

  @Test
  void negativeStddev_isRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GaussianNoise.create().addNoise(new float[1], -1))
        .isInstanceOf(DpParameterException.class).hasMessageContaining("stddev");
  }

  private static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
