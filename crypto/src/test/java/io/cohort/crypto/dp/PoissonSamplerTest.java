package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PoissonSamplerTest {
  private static final long SEED = 20261206L;

  @Test
  void includesEachRecordWithProbabilityQ() {
    PoissonSampler s = PoissonSampler.reproducibleForTests(SEED);
    int n = 1000;
    int steps = 200;
    double q = 0.05;
    long total = 0;
    int[] hits = new int[n];
    for (int step = 0; step < steps; step++) {
      int[] idx = s.sample(n, q);
      for (int i = 0; i < idx.length; i++) {
        assertThat(idx[i]).isBetween(0, n - 1);
        if (i > 0) {
          assertThat(idx[i]).as("ascending, seed %d", SEED).isGreaterThan(idx[i - 1]);
        }
        hits[idx[i]]++;
      }
      total += idx.length;
    }
    // Binomial(200000, 0.05): mean 10000, sd 97.5; 5 sd either side.
    assertThat(total).as("seed %d", SEED).isBetween(10000L - 490, 10000L + 490);
    // Every record is eligible: the first and last rows are drawn about as often as any other.
    assertThat(hits[0] + hits[n - 1]).as("seed %d", SEED).isPositive();
  }

  @Test
  void rateZeroTakesNothingAndRateOneTakesEverything() {
    PoissonSampler s = PoissonSampler.secure();
    assertThat(s.sample(50, 0.0)).isEmpty();
    assertThat(s.sample(50, 1.0)).hasSize(50).startsWith(0, 1, 2).endsWith(49);
    assertThat(s.sample(0, 0.5)).isEmpty();
  }

  @Test
  void secureSamplersAreNotReproducibleAndTestSamplersAre() {
    int[] a = PoissonSampler.secure().sample(256, 0.5);
    int[] b = PoissonSampler.secure().sample(256, 0.5);
    // Equal only with probability 2^-256.
    assertThat(a).isNotEqualTo(b);
    assertThat(PoissonSampler.reproducibleForTests(SEED).sample(256, 0.5))
        .isEqualTo(PoissonSampler.reproducibleForTests(SEED).sample(256, 0.5))
        .isNotEqualTo(PoissonSampler.reproducibleForTests(SEED + 1).sample(256, 0.5));
  }

  @Test
  void rejectsRatesOutsideTheUnitIntervalByName() {
    PoissonSampler s = PoissonSampler.secure();
    assertThatThrownBy(() -> s.sample(10, 1.5)).hasMessageContaining("sampling rate q must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> s.sample(10, Double.NaN)).hasMessageContaining("sampling rate q");
    assertThatThrownBy(() -> s.sample(-1, 0.5)).hasMessageContaining("record count must be >= 0");
  }
}
