package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link GradientCanaries} on its own: placement, Poisson sampling of included canaries, scoring, guessing. */
class AuditCanariesTest {
  private static final long SEED = 77;

  @Test
  void includedCanariesArePoissonSampledAndScoredExcludedOnesScoreZero() {
    int parameters = 500;
    int m = 400;
    GradientCanaries c = GradientCanaries.create(m, parameters, 2.0, SEED, new Random(SEED));
    float[] sum = new float[parameters];
    int steps = 400;
    for (int step = 0; step < steps; step++) {
      java.util.Arrays.fill(sum, 0.5f); // the data's clean sum: removed again by the score
      c.beforeNoise(sum, 0.25);
      c.afterNoise(sum);               // no noise: the residual is the canary alone
    }
    GradientCanaries.AuditCounts all = c.guess(m);
    // one more step at q = 1 shows the canaries themselves: C = 2 on one coordinate each
    float[] probe = new float[parameters];
    c.beforeNoise(probe, 1.0);
    int included = 0;
    for (float v : probe) {
      included += v != 0 ? 1 : 0;
      assertThat(Math.abs(v)).isIn(0f, 2.0f); // Dirac of norm C on one coordinate, sign +-1
    }
    assertThat(included).as("seed %d: about half of %d canaries included", SEED, m).isBetween(160, 240);
    // without noise every included canary scores C x (steps sampled) > 0 and every excluded one 0, so
    // of m/2 "in" and m/2 "out" guesses only the surplus on one side can be wrong
    assertThat(all.correct()).as("seed %d", SEED).isEqualTo(m - Math.abs(included - m / 2));
  }

  @Test
  void canariesSitOnDistinctCoordinatesAndTheCoinsAreBalanced() {
    GradientCanaries c = GradientCanaries.create(1000, 1000, 1.0, SEED, new Random(SEED));
    float[] probe = new float[1000];
    c.beforeNoise(probe, 1.0);
    int nonZero = 0;
    for (float v : probe) {
      nonZero += v != 0 ? 1 : 0;
    }
    // distinct coordinates: every included canary owns its own coordinate, about half are included
    assertThat(nonZero).as("seed %d", SEED).isBetween(430, 570);
    assertThat(c.size()).isEqualTo(1000);
  }

  @Test
  void theSamplingRateShowsInTheScores() {
    GradientCanaries c = GradientCanaries.create(1, 10, 1.0, SEED, new Random(SEED) {
      @Override
      public boolean nextBoolean() {
        return true; // this canary is included
      }
    });
    float[] sum = new float[10];
    for (int step = 0; step < 1000; step++) {
      java.util.Arrays.fill(sum, 0f);
      c.beforeNoise(sum, 0.3);
      c.afterNoise(sum);
    }
    float[] probe = new float[10];
    c.beforeNoise(probe, 1.0);
    // the score is the number of steps the canary was drawn: about q x 1000 = 300 +- 3 sd (43)
    assertThat(c.score(0)).as("seed %d", SEED).isCloseTo(300, within(45.0));
  }
}
