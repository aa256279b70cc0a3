package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The discrete Gaussian against its exact PMF by a chi-square test; seeded, seed in messages. */
class DiscreteGaussianSamplerTest {
  @ParameterizedTest
  @CsvSource({"0.7, 11", "2.0, 12", "5.5, 13", "40.0, 14"})
  void samples_fitTheExactPmf_chiSquare(double sigma, long seed) throws Exception {
    int n = 100_000;
    DiscreteGaussianSampler s = DiscreteGaussianSampler.seededForTest(sigma, seed);
    int half = (int) Math.ceil(12 * sigma) + 2;
    long[] counts = new long[2 * half + 1];
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      long x = s.sample();
      assertThat(Math.abs(x)).as("seed=" + seed).isLessThanOrEqualTo(half);
      counts[(int) x + half]++;
      sum += x;
      sumSq += (double) x * x;
    }
    // Exact PMF: exp(-x^2 / (2 sigma^2)) / Z, with Z summed far into the tails.
    double z = 0;
    for (int x = -half - 50; x <= half + 50; x++) {
      z += Math.exp(-(double) x * x / (2 * sigma * sigma));
    }
    // Chi-square over bins with expected count >= 5 (tails pooled into the outermost bins).
    double chi2 = 0;
    int bins = 0;
    double pooledExp = 0;
    long pooledObs = 0;
    double var = 0;
    for (int x = -half; x <= half; x++) {
      double p = Math.exp(-(double) x * x / (2 * sigma * sigma)) / z;
      var += p * x * x;
      double e = n * p;
      pooledExp += e;
      pooledObs += counts[x + half];
      if (pooledExp >= 5 && x < half) {
        chi2 += Math.pow(pooledObs - pooledExp, 2) / pooledExp;
        bins++;
        pooledExp = 0;
        pooledObs = 0;
      }
    }
    chi2 += Math.pow(pooledObs - pooledExp, 2) / Math.max(pooledExp, 1e-300);
    bins++;
    int dof = bins - 1;
    // Wilson-Hilferty upper quantile at p = 0.001 (z = 3.09).
    double crit = dof * Math.pow(1 - 2.0 / (9 * dof) + 3.09 * Math.sqrt(2.0 / (9 * dof)), 3);
    assertThat(chi2).as("seed=" + seed + " sigma=" + sigma + " dof=" + dof).isLessThan(crit);
    assertThat(Math.abs(sum / n)).as("seed=" + seed).isLessThan(5 * Math.sqrt(var / n));
    assertThat(sumSq / n / var).as("seed=" + seed).isBetween(1 - 5 * Math.sqrt(2.0 / n), 1 + 5 * Math.sqrt(2.0 / n));
  }
}
