package io.cohort.client.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.Spend;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.NoisedStatistics;
import io.cohort.wire.StatisticsWords;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 23 #2 under DP: the noised feature statistics, their charge and what the coordinator makes of them. */
class StatisticsPrivacyTest {
  private static final long SEED = 23_2L;
  @TempDir Path dir;

  /** 100 rows: x clamped to [-4, 4] with sum 50 and sum of squares 400; c: 60 a, 40 b; classes 55 / 45. */
  private static FederationStatistics clamped() {
    return FederationStatistics.newBuilder().addNumericCount(100).addNumericSum(50).addNumericSumOfSquares(400)
        .addCategoryCounts(io.cohort.proto.v1.CategoryCounts.newBuilder().addCounts(60).addCounts(40))
        .addClassCounts(55).addClassCounts(45).build();
  }

  @Test
  void eachStatistic_getsNoiseOfZTimesSensitivityTimesItsBound_centredWithoutBias() throws Exception {
    double z = 2;
    JobSpec job = PrivateJobs.federated("job-n", 6, 2, z);
    var t = job.getTabular();
    double s = NoisedStatistics.sensitivity(t);
    assertThat(s).isEqualTo(Math.sqrt(5));
    double[] bounds = NoisedStatistics.bounds(t);
    assertThat(bounds).containsExactly(1, 4, 16, 1, 1, 1, 1); // count, sum (h 4), squares (h^2), 2 categories, 2 classes
    double[] exact = NoisedStatistics.centre(t, StatisticsWords.flatten(t, clamped()));
    GaussianNoise noise = io.cohort.crypto.dp.SeededNoise.of(SEED);
    int draws = 4000;
    double[] sum = new double[exact.length];
    double[] sq = new double[exact.length];
    for (int k = 0; k < draws; k++) {
      double[] r = StatisticsPrivacy.privatise(job, clamped(), noise);
      for (int i = 0; i < r.length; i++) {
        double d = r[i] - exact[i];
        sum[i] += d;
        sq[i] += d * d;
      }
    }
    for (int i = 0; i < exact.length; i++) {
      double sigma = z * s * bounds[i];
      assertThat(sum[i] / draws).as("mean noise of statistic %d, seed %d", i, SEED)
          .isCloseTo(0, within(4 * sigma / Math.sqrt(draws)));
      assertThat(Math.sqrt(sq[i] / draws)).as("noise stddev of statistic %d, seed %d", i, SEED)
          .isBetween(0.95 * sigma, 1.05 * sigma);
    }
  }

  @Test
  void centringIsExact_andTheCoordinatorUndoesIt() {
    var t = PrivateJobs.federated("job-c", 6, 2, 5).getTabular();
    double[] flat = StatisticsWords.flatten(t, clamped());
    // Range [-4, 4] has middle 0: centring changes nothing; a shifted range does.
    assertThat(NoisedStatistics.centre(t, flat)).containsExactly(flat);
    var shifted = t.toBuilder().setColumns(0, t.getColumns(0).toBuilder()
        .setRange(io.cohort.proto.v1.NumericRange.newBuilder().setMin(0).setMax(10))).build();
    double[] c = NoisedStatistics.centre(shifted, flat);
    assertThat(c[1]).isEqualTo(50 - 5 * 100);
    assertThat(c[2]).isEqualTo(400 - 2 * 5 * 50 + 25 * 100);
    assertThat(NoisedStatistics.uncentre(shifted, c)).containsExactly(flat);
  }

  @Test
  void postProcessing_keepsCountsAtLeastOne_meansInTheRange_andVariancesPositive() {
    var t = PrivateJobs.federated("job-p", 6, 2, 5).getTabular();
    // A noisy sum with a negative count, a mean far outside [-4, 4] and a negative variance.
    double[] noisy = {-3, 900, -50, -2, 7, 30, -1};
    FederationStatistics s = NoisedStatistics.postProcess(t, noisy, 3, 5, 0.9, 1e-5);
    assertThat(s.getNoised()).isTrue();
    assertThat(s.getEpsilon()).isEqualTo(0.9);
    assertThat(s.getNumericCount(0)).isEqualTo(1);
    double mean = s.getNumericSum(0) / s.getNumericCount(0);
    double variance = s.getNumericSumOfSquares(0) / s.getNumericCount(0) - mean * mean;
    assertThat(mean).isEqualTo(4);
    assertThat(variance).isGreaterThan(0).isLessThanOrEqualTo(16);
    assertThat(s.getCategoryCounts(0).getCountsList()).containsExactly(0.0, 7.0);
    assertThat(s.getClassCountsList()).containsExactly(30.0, 0.0);
  }

  @Test
  void aNumericColumnWithoutRange_isRefused_namingTheField() {
    JobSpec job = PrivateJobs.federated("job-r", 6, 2, 5);
    JobSpec without = job.toBuilder().setTabular(job.getTabular().toBuilder()
        .setColumns(0, job.getTabular().getColumns(0).toBuilder().clearRange())).build();
    assertThatThrownBy(() -> StatisticsPrivacy.privatise(without, clamped(), GaussianNoise.create()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tabular.columns.x.range' is required");
  }

  @Test
  void theTargetEpsilon_coversTrainingEvaluationAndStatisticsTogether() throws Exception {
    JobSpec job = PrivateJobs.federated("job-t", 4, 3, 5);
    DpPlan plan = DpPlanner.plan(job, 60);
    double whole = RdpAccountant.create().epsilon(plan.wholeJob().then(EvaluationPrivacy.wholeJob(job))
        .then(StatisticsPrivacy.wholeJob(job)), 1e-5).epsilon();
    assertThat(whole).isLessThanOrEqualTo(4.0).isGreaterThan(3.99);
    assertThat(plan.noiseMultiplier()).as("sigma leaves room for the statistics")
        .isGreaterThan(DpPlanner.plan(PrivateJobs.spec("job-t", 4, 3), 60).noiseMultiplier());
  }

  @Test
  void theStatisticsAreChargedAsTheirOwnEntry_composedWithTraining_andAPerPersonJobIsRefused() throws Exception {
    JobSpec job = PrivateJobs.federated("job-l", 6, 2, 5);
    try (PrivacyGuard g = new PrivacyGuard(PrivateJobs.config(dir, PrivateJobs.csv(dir, 1), 20.0, 1),
        IdentityKeyPair.generate())) {
      assertThat(g.acceptOffer(job, 60)).isEmpty();
      var stats = g.record(g.admitStatistics(job).orElseThrow());
      assertThat(stats.spend().mechanism()).isEqualTo(Spend.STATISTICS_MECHANISM);
      assertThat(stats.spend().round()).isZero();
      assertThat(stats.epsilonAfter()).isCloseTo(RdpAccountant.create()
          .epsilon(StatisticsPrivacy.wholeJob(job), 1e-5).epsilon(), within(1e-9));
      var round = g.record(g.admit(job, 1, 60).orElseThrow());
      assertThat(round.epsilonAfter()).isGreaterThan(stats.epsilonAfter());
      assertThat(g.entries("tab", "job-l")).extracting(e -> e.getMechanism())
          .containsExactly(Spend.STATISTICS_MECHANISM, Spend.MECHANISM);

      JobSpec perPerson = job.toBuilder().setJobId("job-u")
          .setPrivacy(job.getPrivacy().toBuilder().setUnit("customer_id")).build();
      assertThatThrownBy(() -> g.admitStatistics(perPerson)).isInstanceOf(RoundRefusedException.class)
          .hasMessageContaining("privacy.unit 'customer_id'").hasMessageContaining("standardize: local");
      assertThat(g.checkOffer(perPerson, 60)).hasValueSatisfying(r -> assertThat(r).contains("privacy.unit"));
    }
  }
}
