package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.proto.v1.Task;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed-DP round (issue 19 #1) through the real round loop and the crypto library's real
 * SecAgg node sessions and distributed encoder: the coordinator's next model is the DP-SGD step
 * −lr·(Σ clipped unit gradients + noise)/B, and the released noise has stddev σ·C (checked over
 * 4096 coordinates, ±7 %), also when a node drops out before its masked input: the survivors' shares
 * were sized for the threshold t, so they top it up; without the top-up it would be √(2/3)·σC.
 */
class DistributedDpRoundTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final int D = 4096;
  private static final double SIGMA = 1.3;
  private static final double LR = 0.5;
  private static final double BATCH = 15;
  @TempDir Path dir;
  private final long seed = Long.getLong("cohort.test.seed", System.nanoTime());
  private final SplittableRandom random = new SplittableRandom(seed);

  private static String job(int threshold) {
    return """
        name: ddp
        task: tabular_classification
        dataset: d
        rounds: 1
        min_nodes: 2
        round_timeout_seconds: 60
        tabular: {label: y, classes: ['0', '1'], numeric: [x]}
        secure_aggregation: {threshold: %d}
        privacy: {mode: distributed, noise_multiplier: %s, delta: 1.0e-5, clip_norm: 1, sampling_rate: 1,
                  expected_batch_size: %s, min_honest: 2, max_nodes: 3, learning_rate: %s, optimizer: sgd}
        """.formatted(threshold, SIGMA, (int) BATCH, LR);
  }

  private static final TensorBundle INITIAL = new TensorBundle(List.of(new Tensor("w", new long[] {D}, new float[D])));

  @Test
  void allNodesContribute_theStepIsTheNoisySumOverTheBatch_withNoiseSigmaC() throws Exception {
    double std = noiseStd(3, false);
    assertThat(std).as("seed %d", seed).isBetween(0.93 * SIGMA, 1.07 * SIGMA);
  }

  @Test
  void aDropoutBeforeTheMaskedInput_leavesTheNoiseAtSigmaC_byTheTopUp() throws Exception {
    double std = noiseStd(2, true);
    assertThat(std).as("seed %d (without the top-up: %.3f)", seed, Math.sqrt(2.0 / 3) * SIGMA)
        .isBetween(0.93 * SIGMA, 1.07 * SIGMA);
  }

  /** Runs one round and returns the stddev of (released sum − true sum) per coordinate, C = 1. */
  private double noiseStd(int threshold, boolean oneDrops) throws Exception {
    try (FakeFederation f = new FakeFederation(dir, job(threshold), 1)) {
      List<FakeNode> nodes = new ArrayList<>();
      double[] trueSum = new double[D];
      for (String id : List.of("node-a", "node-b", "node-c")) {
        FakeNode n = new FakeNode(id);
        n.update = INITIAL;
        n.units = new ArrayList<>();
        for (int u = 0; u < 5; u++) {
          float[] g = new float[D];
          double norm = 0;
          for (int j = 0; j < D; j++) {
            g[j] = (float) random.nextGaussian();
            norm += g[j] * g[j];
          }
          double scale = random.nextDouble(0.2, 1.0) / Math.sqrt(norm); // norm <= C = 1
          for (int j = 0; j < D; j++) {
            g[j] *= (float) scale;
          }
          n.units.add(g);
        }
        f.identities.record(id, n.identity.publicKey().raw());
        nodes.add(f.add(n));
      }
      FakeNode dropper = nodes.get(2);
      dropper.dropsBeforeMaskedInput = oneDrops;
      for (FakeNode n : nodes) {
        if (!(oneDrops && n == dropper)) {
          for (float[] g : n.units) {
            for (int j = 0; j < D; j++) {
              trueSum[j] += g[j];
            }
          }
        }
      }
      f.start();
      if (oneDrops) {
        f.runNodesUntil("the dropout", () -> dropper.silent, LIMIT);
        f.advanceHeartbeating(Duration.ofSeconds(4)); // it stops being live; the stage closes with 2
      }
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);
      assertThat(f.awaitEnd(LIMIT)).as("failure: %s (seed %d)", f.job().failureReason(), seed)
          .isEqualTo(JobState.COMPLETED);
      assertThat(nodes.get(0).received.stream().filter(t -> t.getKindCase() == Task.KindCase.TRAIN))
          .allSatisfy(t -> assertThat(t.getTrain().getDistributedDp().getContributors()).isEqualTo(threshold));
      RoundRecord r = f.store.rounds(f.spec.getJobId()).get(0);
      assertThat(r.contributors()).hasSize(oneDrops ? 2 : 3);
      float[] next = f.models.read(r.modelId()).get("w").values();
      double ss = 0;
      for (int j = 0; j < D; j++) {
        double released = -next[j] * BATCH / LR; // next = 0 - lr * (sum + noise) / B
        double noise = released - trueSum[j];
        ss += noise * noise;
      }
      return Math.sqrt(ss / D);
    }
  }
}
