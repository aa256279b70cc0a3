package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The acceptance calibration of the one-run audit on the credit job's DP settings (examples/credit/
 * job-dp.yaml: hidden [16], q = 1, 10 rounds x 10 steps, C = 1, Adam 0.03, delta 1e-5), trained
 * centrally on all 1000 rows. Canary coins and data order are seeded (printed on failure); the DP
 * noise is SecureRandom as in production, which is why the DP assertions hold with margin rather
 * than exactly.
 */
class AuditCalibrationTest {
  private static final long SEED = 20_2023L;
  private static final int STEPS = 100;
  private static final double DELTA = 1e-5;
  private static EncodedData data;
  private static TensorBundle start;
  private static int canaries;

  @BeforeAll
  static void load() throws Exception {
    TabularSchema schema = CreditData.schema(List.of(16));
    CsvDataset csv = CsvDataset.load(CreditData.file(), schema);
    List<Integer> rows = IntStream.range(0, csv.size()).boxed().toList();
    data = FeatureEncoder.fit(csv, rows, schema).encode(csv, rows);
    start = MlpClassifier.initialize(schema.inputWidth(), schema.hiddenUnits(), schema.numClasses(), SEED);
    int parameters = 0;
    for (var t : start.tensors()) {
      parameters += t.values().length;
    }
    canaries = Math.min(1000, parameters);
  }

  private static DpSgdParams params(double sigma) {
    return new DpSgdParams(STEPS, 1.0, sigma, 1.0, 0.03, DpSgdParams.Optimizer.ADAM);
  }

  private static CanaryAudit.Report audit(double sigma, long seed, boolean skipNoise) {
    return CanaryAudit.train(start, data, params(sigma), seed, GaussianNoise.create(), canaries, canaries / 2, DELTA,
        new Random(seed), skipNoise).report();
  }

  @Test
  void withoutNoiseTheAuditDetectsALargeEpsilon() {
    CanaryAudit.Outcome o = CanaryAudit.train(start, data, params(0.0), SEED, GaussianNoise.create(), canaries,
        canaries / 2, DELTA, new Random(SEED), false);
    CanaryAudit.Report r = o.report();
    // canaries are not rows: the training's counts (and so its metrics) see only the data
    assertThat(o.training().examples()).isEqualTo(data.size());
    System.out.printf("audit no-DP: m=%d guesses=%d correct=%d bound=%.3f (seed %d)%n", r.canaries(), r.guesses(),
        r.correct(), r.epsilonLowerBound(), SEED);
    assertThat(r.correct()).as("seed %d", SEED).isEqualTo(r.guesses());
    assertThat(r.epsilonLowerBound()).as("seed %d", SEED).isGreaterThanOrEqualTo(4.0);
  }

  @Test
  void theBrokenNoiseSwitchIsCaughtAtAClaimedEpsilonOfOne() throws Exception {
    double sigma = new SigmaCalibrator(RdpAccountant.create()).calibrate(1.0, STEPS, 1.0, DELTA);
    CanaryAudit.Report r = audit(sigma, SEED + 1, true);
    System.out.printf("audit broken noise, claimed eps 1 (sigma %.3f): correct=%d/%d bound=%.3f (seed %d)%n", sigma,
        r.correct(), r.guesses(), r.epsilonLowerBound(), SEED + 1);
    assertThat(r.epsilonLowerBound()).as("seed %d", SEED + 1).isGreaterThan(1.0);
  }

  @Test
  void withDpTheBoundNeverExceedsTheAccountedEpsilon() throws Exception {
    for (double epsilon : new double[] {1.0, 8.0}) {
      double sigma = new SigmaCalibrator(RdpAccountant.create()).calibrate(1.0, STEPS, epsilon, DELTA);
      List<String> seen = new ArrayList<>();
      double highest = 0;
      for (int run = 0; run < 5; run++) {
        long seed = SEED + 100 * run + (long) epsilon;
        CanaryAudit.Report r = audit(sigma, seed, false);
        seen.add(String.format("seed %d: %d/%d right, bound %.3f", seed, r.correct(), r.guesses(), r.epsilonLowerBound()));
        assertThat(r.epsilonLowerBound()).as("accounted eps %s, %s", epsilon, seen).isLessThanOrEqualTo(epsilon);
        highest = Math.max(highest, r.epsilonLowerBound());
      }
      System.out.printf("audit eps %.0f (sigma %.3f): %s%n", epsilon, sigma, seen);
      if (epsilon == 8.0) {
        // the audit is not vacuous: at eps 8 the canaries are still visibly detected
        assertThat(highest).as("%s", seen).isGreaterThan(0.5);
      }
    }
  }

  @Test
  void rejectsMoreCanariesThanParametersInOneLine() {
    assertThatThrownBy(() -> CanaryAudit.train(start, data, params(1.0), SEED, GaussianNoise.create(), 100_000, 10,
        DELTA)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("canaries is 100000; expected 1 to ");
    assertThatThrownBy(() -> CanaryAudit.train(start, data, params(1.0), SEED, GaussianNoise.create(), 10, 11,
        DELTA)).hasMessageStartingWith("guesses is 11; expected 1 to 10");
  }
}
