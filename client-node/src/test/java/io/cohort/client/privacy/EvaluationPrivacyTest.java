package io.cohort.client.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.Spend;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.PooledEvaluation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19 #3: nothing unnoised leaves a node under DP, and what is noised is charged. */
class EvaluationPrivacyTest {
  private static final long ROWS = 60;
  @TempDir Path dir;

  /** 300 validation rows: positives high, negatives low, 240 correct, loss sum 90. */
  private static EvaluationResult raw() {
    int bins = PooledEvaluation.DEFAULT_BINS;
    EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(300).setNumCorrect(240).setLossSum(90);
    for (int i = 0; i < bins; i++) {
      b.addPositiveScoreHistogram(i >= 700 && i < 850 ? 1 : 0).addNegativeScoreHistogram(i < 150 ? 1 : 0);
    }
    return b.build();
  }

  @Test
  void withNegligibleNoise_theReleaseIsTheCoarseHistogram_andItsCountsAreConsistent() throws Exception {
    EvaluationResult r = EvaluationPrivacy.privatise(raw(), 1e-6, GaussianNoise.create());
    assertThat(r.getPositiveScoreHistogramCount()).isEqualTo(PooledEvaluation.DEFAULT_BINS);
    // 10 coarse bins of 100 fine ones, each count in its group's middle bin.
    assertThat(r.getPositiveScoreHistogram(750)).isEqualTo(100);
    assertThat(r.getPositiveScoreHistogram(850)).isEqualTo(50);
    assertThat(r.getPositiveScoreHistogram(700)).isZero();
    assertThat(r.getNegativeScoreHistogram(50)).isEqualTo(100);
    assertThat(r.getNegativeScoreHistogram(150)).isEqualTo(50);
    assertThat(r.getNumExamples()).isEqualTo(300);
    assertThat(r.getNumCorrect()).isEqualTo(240);
    assertThat(r.getLossSum()).isCloseTo(90, within(1e-3));
    // Pooling still works on the release: every positive above every negative.
    assertThat(new PooledEvaluation().add(r).rocAuc()).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void theNoiseHasTheStatedScale_onCountsAndOnTheLossSum() throws Exception {
    GaussianNoise noise = GaussianNoise.create();
    double sigma = 20;
    int draws = 400;
    double sumSq = 0;
    double lossSq = 0;
    for (int k = 0; k < draws; k++) {
      EvaluationResult r = EvaluationPrivacy.privatise(raw(), sigma, noise);
      sumSq += Math.pow(positives(r) - 150, 2); // the noisy total of 10 bins, kept by the projection
      lossSq += Math.pow(r.getLossSum() - 90, 2);
    }
    // Ten bins' noise in the class total: sigma x sqrt(10).
    assertThat(Math.sqrt(sumSq / draws)).isBetween(0.8 * sigma * Math.sqrt(10), 1.2 * sigma * Math.sqrt(10));
    // The loss sum's noise is sigma x the per-record loss cap (clamped at 0 rarely at this mean; loose bound).
    assertThat(Math.sqrt(lossSq / draws)).isBetween(0.6 * sigma * EvaluationPrivacy.LOSS_CAP,
        1.2 * sigma * EvaluationPrivacy.LOSS_CAP);
  }

  private static long positives(EvaluationResult r) {
    return r.getPositiveScoreHistogramList().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * The noised counts are unbiased: over many seeded draws the mean released count of a sparse histogram
   * (200 rows in 2 of 20 coarse bins) is its true count, where clamping each bin at 0 inflated it to ~3x.
   */
  @Test
  void theReleasedCounts_areUnbiased_overManyDraws() throws Exception {
    long seed = 20261207L;
    GaussianNoise noise = io.cohort.crypto.dp.SeededNoise.of(seed);
    int bins = PooledEvaluation.DEFAULT_BINS;
    EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(200).setNumCorrect(150).setLossSum(60);
    for (int i = 0; i < bins; i++) {
      b.addPositiveScoreHistogram(i >= 800 && i < 900 ? 1 : 0).addNegativeScoreHistogram(i < 100 ? 1 : 0);
    }
    EvaluationResult raw = b.build();
    double sigma = 20;
    int draws = 2000;
    double examples = 0;
    double pos = 0;
    for (int k = 0; k < draws; k++) {
      EvaluationResult r = EvaluationPrivacy.privatise(raw, sigma, noise);
      examples += r.getNumExamples();
      pos += positives(r);
      assertThat(r.getPositiveScoreHistogramList()).allMatch(c -> c >= 0);
    }
    // Standard error of the mean total: sigma x sqrt(20 bins) / sqrt(draws), about 2; allow 4 of them.
    double tolerance = 4 * sigma * Math.sqrt(20) / Math.sqrt(draws);
    assertThat(examples / draws).as("mean noisy count, seed %d", seed).isCloseTo(200, within(tolerance));
    assertThat(pos / draws).as("mean noisy positives, seed %d", seed).isCloseTo(100, within(tolerance));
  }

  @Test
  void tokenCountsCannotBeNoisedPerRecord_soTheyAreRefused() {
    EvaluationResult lm = EvaluationResult.newBuilder().setNumExamples(5000).setLossSum(12000).build();
    assertThatThrownBy(() -> EvaluationPrivacy.privatise(lm, 20, GaussianNoise.create()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("privacy.public_validation");
  }

  @Test
  void anEvaluationIsCharged_asAGaussianMechanismEntry_composedWithTraining() throws Exception {
    JobSpec job = PrivateJobs.spec("job-e", 4, 2);
    try (PrivacyGuard g = new PrivacyGuard(PrivateJobs.config(dir, PrivateJobs.csv(dir, 1), 10.0, 1),
        IdentityKeyPair.generate())) {
      assertThat(g.acceptOffer(job, ROWS)).isEmpty();
      g.record(g.admit(job, 1, ROWS).orElseThrow());
      double afterTraining = g.spentEpsilon("tab");
      var entry = g.record(g.admitEvaluation(job, 1).orElseThrow());
      assertThat(entry.spend().mechanism()).isEqualTo(Spend.EVALUATION_MECHANISM);
      assertThat(entry.epsilonAfter()).isGreaterThan(afterTraining);
      // The charge is exactly the Gaussian mechanism at sigma_e / sqrt(3), composed under the dataset's RDP.
      DpPlan plan = DpPlanner.plan(job, ROWS);
      double expected = RdpAccountant.create().epsilon(PrivacyPlan.of(List.of(
          PlanSegment.of(plan.samplingRate(), plan.noiseMultiplier(), plan.stepsPerRound()),
          PlanSegment.of(1.0, EvaluationPrivacy.DEFAULT_NOISE_MULTIPLIER / Math.sqrt(3), 1))), 1e-5).epsilon();
      assertThat(entry.epsilonAfter()).isCloseTo(expected, within(1e-9));
      assertThat(g.entries("tab", "job-e")).extracting(e -> e.getMechanism())
          .containsExactly(Spend.MECHANISM, Spend.EVALUATION_MECHANISM);
    }
  }

  @Test
  void theTargetEpsilon_coversTrainingAndEvaluationTogether() throws Exception {
    JobSpec job = PrivateJobs.spec("job-t", 4, 3);
    DpPlan plan = DpPlanner.plan(job, ROWS);
    double whole = RdpAccountant.create().epsilon(plan.wholeJob().then(EvaluationPrivacy.wholeJob(job)), 1e-5)
        .epsilon();
    assertThat(whole).isLessThanOrEqualTo(4.0).isGreaterThan(3.99);
  }

  @Test
  void publicValidation_isDeclinedByANodeThatHasNotAgreed_namingTheNodeYamlKey() throws Exception {
    JobSpec job = PrivateJobs.spec("job-p", 4, 2);
    JobSpec publicJob = job.toBuilder().setPrivacy(job.getPrivacy().toBuilder().setPublicValidation(true)).build();
    var config = PrivateJobs.config(dir, PrivateJobs.csv(dir, 1), 10.0, 1);
    try (PrivacyGuard g = new PrivacyGuard(config, IdentityKeyPair.generate())) {
      assertThat(g.checkOffer(publicJob, ROWS)).hasValueSatisfying(reason -> assertThat(reason)
          .contains("privacy.allow_public_validation").contains("node.yaml").contains("job-p"));
      assertThatThrownBy(() -> g.admitEvaluation(publicJob, 1)).isInstanceOf(RoundRefusedException.class)
          .hasMessageContaining("privacy.allow_public_validation");
    }
    try (PrivacyGuard g = new PrivacyGuard(config.withAllowPublicValidation(true), IdentityKeyPair.generate())) {
      assertThat(g.checkOffer(publicJob, ROWS)).isEmpty();
      assertThat(g.admitEvaluation(publicJob, 1)).isEmpty(); // unnoised and uncharged, as agreed
    }
  }

  @Test
  void aTrainingRoundsEntry_namesThePrivacyUnit() throws Exception {
    JobSpec job = PrivateJobs.spec("job-u", 4, 2);
    JobSpec perCustomer = job.toBuilder().setPrivacy(job.getPrivacy().toBuilder().setUnit("customer_id")).build();
    try (PrivacyGuard g = new PrivacyGuard(PrivateJobs.config(dir, PrivateJobs.csv(dir, 1), 10.0, 1),
        IdentityKeyPair.generate())) {
      var entry = g.record(g.admit(perCustomer, 1, 20).orElseThrow());
      assertThat(entry.spend().unit()).isEqualTo("customer_id");
      assertThat(g.entries("tab", "job-u")).singleElement().satisfies(e -> {
        assertThat(e.getPrivacyUnit()).isEqualTo("customer_id");
        assertThat(e.getSignedLine()).contains("\tunit=customer_id");
      });
    }
  }
}
