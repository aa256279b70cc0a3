package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.job.JobState;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.Standardize;
import io.cohort.proto.v1.Task;
import io.cohort.wire.StatisticsWords;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 #2: the feature statistics round before round 1 of a job with standardize federated (the
 * default of a secure tabular job), run by fake nodes that use the crypto library's real node side:
 * the coordinator stores the exact sum of the nodes' statistics with the job, and every training and
 * evaluation task carries it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FederatedStatisticsTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);
  private static final String JOB = """
      name: federated
      task: tabular_classification
      dataset: d
      rounds: 1
      min_nodes: 3
      round_timeout_seconds: 60
      tabular:
        label: y
        classes: ['0', '1']
        numeric: [x, z]
        categorical: {c: [u, v, w]}
      secure_aggregation: {clip: 0.5, max_examples: 1000}
      """;
  private static final TensorBundle INITIAL = new TensorBundle(List.of(
      new Tensor("w", new long[] {2, 2}, new float[] {.1f, .2f, .3f, .4f})));

  @TempDir
  Path dir;

  @Test
  void statisticsRound_storesTheExactSumAndEveryTaskCarriesIt() throws Exception {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    try (FakeFederation f = new FakeFederation(dir, JOB, 1)) {
      assertThat(f.spec.getTabular().getStandardize()).as("the default of a secure tabular job")
          .isEqualTo(Standardize.STANDARDIZE_FEDERATED);
      int length = StatisticsWords.statistics(f.spec.getTabular());
      assertThat(length).isEqualTo(3 * 2 + 3 + 2);
      double[] expected = new double[length];
      List<FakeNode> nodes = new ArrayList<>();
      for (String id : List.of("node-a", "node-b", "node-c")) {
        FakeNode n = new FakeNode(id);
        n.update = INITIAL;
        n.examples = 10;
        n.delta = new float[4];
        n.statistics = new double[length];
        for (int i = 0; i < length; i++) {
          // counts, then sums of either sign and sums of squares far from small integers
          n.statistics[i] = i < 2 ? random.nextInt(1000) : random.nextDouble(-5e6, 5e6);
          expected[i] += n.statistics[i];
        }
        f.identities.record(id, n.identity.publicKey().raw());
        nodes.add(f.add(n));
      }
      f.start();
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);

      assertThat(f.awaitEnd(LIMIT)).as("seed %d, failure: %s", seed, f.job().failureReason())
          .isEqualTo(JobState.COMPLETED);
      FederationStatistics stored = f.models.readStatistics(f.spec.getJobId()).orElseThrow();
      assertThat(stored.getNodes()).isEqualTo(3);
      double[] got = StatisticsWords.flatten(f.spec.getTabular(), stored);
      for (int i = 0; i < length; i++) {
        // Each node's value is rounded to 2^-16 once; the sum of the words is exact.
        assertThat(got[i]).as("statistic %d, seed %d", i, seed).isCloseTo(expected[i], within(3 * 0x1p-17 + 1e-9));
      }
      for (FakeNode n : nodes) {
        assertThat(n.count(Task.KindCase.STATISTICS)).isEqualTo(1);
        List<Task> later = n.received.stream().filter(t -> t.hasTrain() || t.hasEvaluate()).toList();
        assertThat(later).as("a training and an evaluation task").hasSize(2);
        for (Task t : later) {
          FederationStatistics carried = t.hasTrain() ? t.getTrain().getFederationStatistics()
              : t.getEvaluate().getFederationStatistics();
          assertThat(carried).as(n.id + " " + t.getKindCase()).isEqualTo(stored);
        }
        Task first = n.received.stream().filter(t -> !t.hasOffer()).findFirst().orElseThrow();
        assertThat(first.getKindCase()).as("statistics come before anything else of the job but the offer")
            .isIn(Task.KindCase.STATISTICS, Task.KindCase.INIT);
      }
    }
  }

  /**
   * Under DP (issue 23 #2) the nodes send clamped, centred, noised statistics; the coordinator un-centres and
   * post-processes their sum and stores it marked noised, with what one node's release costs.
   */
  @Test
  void privateJob_storesThePostProcessedNoisySum_markedNoisedWithItsEpsilon() throws Exception {
    String privateJob = """
        name: federated-dp
        task: tabular_classification
        dataset: d
        rounds: 1
        min_nodes: 3
        round_timeout_seconds: 60
        tabular:
          label: y
          classes: ['0', '1']
          numeric: [x]
          columns: {x: {range: [0, 10]}}
          standardize: federated
        secure_aggregation: {clip: 0.5, max_examples: 1000}
        privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, sampling_rate: 1.0, local_steps: 2,
          statistics_noise_multiplier: 4}
        """;
    try (FakeFederation f = new FakeFederation(dir, privateJob, 1)) {
      var t = f.spec.getTabular();
      assertThat(t.getColumns(0).getRange().getMax()).isEqualTo(10);
      // Each node: 10 values of mean 7 and variance 1 (sum 70, squares 500), 6 of class 0 and 4 of class 1.
      double[] exact = {10, 70, 500, 6, 4};
      double[] centred = io.cohort.wire.NoisedStatistics.centre(t, exact);
      List<FakeNode> nodes = new ArrayList<>();
      for (String id : List.of("node-a", "node-b", "node-c")) {
        FakeNode n = new FakeNode(id);
        n.update = INITIAL;
        n.examples = 10;
        n.delta = new float[4];
        n.statistics = centred.clone();
        f.identities.record(id, n.identity.publicKey().raw());
        nodes.add(f.add(n));
      }
      f.start();
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);
      assertThat(f.awaitEnd(LIMIT)).as("failure: %s", f.job().failureReason()).isEqualTo(JobState.COMPLETED);
      FederationStatistics stored = f.models.readStatistics(f.spec.getJobId()).orElseThrow();
      assertThat(stored.getNoised()).isTrue();
      assertThat(stored.getNoiseMultiplier()).isEqualTo(4);
      assertThat(stored.getDelta()).isEqualTo(1e-5);
      assertThat(stored.getEpsilon()).isCloseTo(io.cohort.crypto.dp.RdpAccountant.create()
          .epsilon(io.cohort.crypto.dp.PrivacyPlan.of(1.0, 4, 1), 1e-5).epsilon(), within(1e-12));
      assertThat(stored.getNumericCount(0)).isCloseTo(30, within(1e-3));
      assertThat(stored.getNumericSum(0) / stored.getNumericCount(0)).as("mean").isCloseTo(7, within(1e-3));
      assertThat(stored.getNumericSumOfSquares(0) / 30 - 49).as("variance").isCloseTo(1, within(1e-2));
      assertThat(stored.getClassCountsList()).containsExactly(18.0, 12.0);
    }
  }
}
