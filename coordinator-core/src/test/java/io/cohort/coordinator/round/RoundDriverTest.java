package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.proto.v1.Task;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round loop driven by fake nodes on a fake clock, without Quarkus or sockets (see
 * {@link FakeFederation}). Every deadline here is 60 s of the fake clock; the tests reach them by
 * moving that clock, so each runs in well under a second or two of real time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RoundDriverTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);
  private static final String PLAIN_JOB = """
      name: plain
      task: tabular_classification
      dataset: d
      rounds: 1
      min_nodes: 2
      round_timeout_seconds: 60
      tabular: {label: y, classes: ['0', '1'], numeric: [x]}
      secure_aggregation: {enabled: false}
      """;

  @TempDir Path dir;
  private final long seed = Long.getLong("cohort.test.seed", System.nanoTime());
  private final SplittableRandom random = new SplittableRandom(seed);

  @RegisterExtension
  final TestWatcher printSeed = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      System.err.println(context.getDisplayName() + " failed with seed " + seed + " (rerun with -Dcohort.test.seed="
          + seed + ")");
    }
  };

  private TensorBundle randomUpdate() {
    float[] v = new float[4];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextDouble(-1, 1);
    }
    return new TensorBundle(List.of(new Tensor("w", new long[] {2, 2}, v)));
  }

  private FakeNode plainNode(FakeFederation f, String id, long examples) {
    FakeNode n = new FakeNode(id);
    n.update = randomUpdate();
    n.examples = examples;
    return f.add(n);
  }

  @Test
  void offerWindow_closingWithEveryNodeDeclined_failsTheJobNamingEachNodesReason() throws Exception {
    try (FakeFederation f = new FakeFederation(dir, PLAIN_JOB, 3)) {
      FakeNode a = plainNode(f, "node-a", 1);
      a.declineReason = "dataset alias 'd' is not configured";
      FakeNode b = plainNode(f, "node-b", 1);
      b.declineReason = "projected epsilon 9.1 exceeds the remaining budget 3.0";
      FakeNode c = plainNode(f, "node-c", 1);
      c.ignoresOffer = true;
      f.start();
      f.runNodesUntil("two declines stored and c offered",
          () -> f.store.decisions(f.spec.getJobId()).size() == 2 && c.count(Task.KindCase.OFFER) == 1, LIMIT);

      f.clock.advance(FakeFederation.ROUND_TIMEOUT.minusSeconds(1));
      Thread.sleep(200); // real time for the driver to (wrongly) act before the window closes
      assertThat(f.job().state()).as("still inside the offer window").isEqualTo(JobState.OFFERED);

      f.clock.advance(Duration.ofSeconds(2));
      assertThat(f.awaitEnd(LIMIT)).isEqualTo(JobState.FAILED);
      assertThat(f.job().failureReason())
          .contains("offer window of 60 s closed with 0 acceptances, min_nodes is 2")
          .contains("node-a: dataset alias 'd' is not configured")
          .contains("node-b: projected epsilon 9.1 exceeds the remaining budget 3.0")
          .contains("no answer from node-c");
      assertThat(List.of(a, b, c)).allSatisfy(n -> assertThat(n.count(Task.KindCase.TRAIN)).isZero());
    }
  }

  @Test
  void offerWindow_withEnoughAcceptances_startsAsSoonAsEveryLiveNodeAnswered() throws Exception {
    try (FakeFederation f = new FakeFederation(dir, PLAIN_JOB, 1)) {
      plainNode(f, "node-a", 1);
      plainNode(f, "node-b", 1);
      FakeNode c = plainNode(f, "node-c", 1);
      c.declineReason = "no GPU";
      f.start();
      // No clock movement at all: the job must not wait for the window to close.
      f.runNodesUntil("job completed", () -> f.job().state() == JobState.COMPLETED, LIMIT);
      assertThat(f.awaitEnd(LIMIT)).isEqualTo(JobState.COMPLETED);
      assertThat(f.store.rounds(f.spec.getJobId()).get(0).participants()).containsExactly("node-a", "node-b");
    }
  }

  @Test
  void participantSelector_choosesWhoTrains_andTheRoundNeedsOnlyThem() throws Exception {
    List<Integer> roundsAsked = new java.util.concurrent.CopyOnWriteArrayList<>();
    ParticipantSelector firstTwo = (round, available) -> {
      roundsAsked.add(round);
      return available.subList(0, 2);
    };
    try (FakeFederation f = new FakeFederation(dir, PLAIN_JOB, 1, firstTwo)) {
      FakeNode a = plainNode(f, "node-a", 1);
      FakeNode b = plainNode(f, "node-b", 1);
      FakeNode c = plainNode(f, "node-c", 1);
      f.start();
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);
      assertThat(f.awaitEnd(LIMIT)).as("failure: %s", f.job().failureReason()).isEqualTo(JobState.COMPLETED);
      assertThat(roundsAsked).containsExactly(1);
      assertThat(f.store.rounds(f.spec.getJobId()).get(0).participants()).containsExactly("node-a", "node-b");
      assertThat(List.of(a.count(Task.KindCase.TRAIN), b.count(Task.KindCase.TRAIN), c.count(Task.KindCase.TRAIN)))
          .containsExactly(1L, 1L, 0L);
    }
  }

  @Test
  void dropoutAfterAcceptingTheOffer_roundClosesWithoutItAndAveragesTheOthers() throws Exception {
    try (FakeFederation f = new FakeFederation(dir, PLAIN_JOB, 1)) {
      FakeNode a = plainNode(f, "node-a", 100);
      FakeNode b = plainNode(f, "node-b", 300);
      FakeNode c = plainNode(f, "node-c", 50);
      c.dropsOnTraining = true;
      f.start();
      f.runNodesUntil("c dropped and a, b trained",
          () -> c.silent && a.count(Task.KindCase.TRAIN) == 1 && b.count(Task.KindCase.TRAIN) == 1, LIMIT);
      f.advanceHeartbeating(Duration.ofSeconds(4)); // c, silent, stops being live; a and b heartbeat
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);

      assertThat(f.awaitEnd(LIMIT)).as("failure: %s", f.job().failureReason()).isEqualTo(JobState.COMPLETED);
      RoundRecord r = f.store.rounds(f.spec.getJobId()).get(0);
      assertThat(r.participants()).containsExactly("node-a", "node-b", "node-c");
      assertThat(r.contributors()).containsExactlyInAnyOrder("node-a", "node-b");
      assertThat(r.numExamples()).isEqualTo(400);
      assertThat(Duration.between(r.startedAt(), r.completedAt())).as("closed on the dropout, not the deadline")
          .isLessThan(FakeFederation.ROUND_TIMEOUT);
      float[] got = f.models.read(r.modelId()).get("w").values();
      for (int i = 0; i < got.length; i++) {
        float expected = (100 * a.update.get("w").values()[i] + 300 * b.update.get("w").values()[i]) / 400;
        assertThat(got[i]).as("coordinate %d", i).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6f));
      }
      assertThat(c.count(Task.KindCase.EVALUATE)).as("a dropped node is not asked to evaluate").isZero();
    }
  }

  @Test
  void deadlineMiss_onTheFakeClock_failsTheAttemptAndWithOneAttemptTheJob() throws Exception {
    try (FakeFederation f = new FakeFederation(dir, PLAIN_JOB, 1)) {
      FakeNode a = plainNode(f, "node-a", 10);
      FakeNode b = plainNode(f, "node-b", 10);
      b.trainingTasksToIgnore = 1; // live and heartbeating, but never sends its update
      f.start();
      f.runNodesUntil("both got training tasks",
          () -> a.count(Task.KindCase.TRAIN) == 1 && b.count(Task.KindCase.TRAIN) == 1, LIMIT);
      Thread.sleep(200);
      assertThat(f.job().state()).as("waiting for b before the deadline").isEqualTo(JobState.RUNNING);

      f.advanceHeartbeating(FakeFederation.ROUND_TIMEOUT.plusSeconds(2));
      assertThat(f.awaitEnd(LIMIT)).isEqualTo(JobState.FAILED);
      assertThat(f.job().failureReason())
          .isEqualTo("round 1 failed 1 times; last: 1 of 2 nodes returned an update, min_nodes is 2");
      assertThat(f.events).containsExactly("started round 1 attempt 1 with [node-a, node-b]",
          "failed round 1 attempt 1: 1 of 2 nodes returned an update, min_nodes is 2");
      assertThat(f.store.rounds(f.spec.getJobId())).isEmpty();
    }
  }

  @Test
  void retry_afterADeadlineMiss_succeedsOnTheSecondAttempt() throws Exception {
    try (FakeFederation f = new FakeFederation(dir, PLAIN_JOB, 2)) {
      FakeNode a = plainNode(f, "node-a", 10);
      FakeNode b = plainNode(f, "node-b", 30);
      b.trainingTasksToIgnore = 1;
      f.start();
      f.runNodesUntil("both got training tasks",
          () -> a.count(Task.KindCase.TRAIN) == 1 && b.count(Task.KindCase.TRAIN) == 1, LIMIT);
      f.advanceHeartbeating(FakeFederation.ROUND_TIMEOUT.plusSeconds(2));
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);

      assertThat(f.awaitEnd(LIMIT)).as("failure: %s", f.job().failureReason()).isEqualTo(JobState.COMPLETED);
      RoundRecord r = f.store.rounds(f.spec.getJobId()).get(0);
      assertThat(r.attempt()).isEqualTo(2);
      assertThat(r.contributors()).containsExactlyInAnyOrder("node-a", "node-b");
      assertThat(r.numExamples()).isEqualTo(40);
      assertThat(f.events).startsWith("started round 1 attempt 1 with [node-a, node-b]",
          "failed round 1 attempt 1: 1 of 2 nodes returned an update, min_nodes is 2",
          "started round 1 attempt 2 with [node-a, node-b]");
      assertThat(b.count(Task.KindCase.TRAIN)).isEqualTo(2);
    }
  }

  private static final TensorBundle INITIAL = new TensorBundle(List.of(
      new Tensor("w", new long[] {3, 4}, new float[] {.1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f, .9f, 1f, 1.1f, 1.2f}),
      new Tensor("b", new long[] {4}, new float[] {-.1f, -.2f, -.3f, -.4f})));

  @Test
  void secureRound_fallingBelowTheThreshold_abortsEveryParticipantAndFailsTheJob() throws Exception {
    String yaml = """
        name: secure
        task: tabular_classification
        dataset: d
        rounds: 1
        min_nodes: 3
        round_timeout_seconds: 60
        tabular: {label: y, classes: ['0', '1'], numeric: [x], standardize: local}
        secure_aggregation: {clip: 0.5, max_examples: 1000}
        """;
    try (FakeFederation f = new FakeFederation(dir, yaml, 1)) {
      List<FakeNode> nodes = new java.util.ArrayList<>();
      for (String id : List.of("node-a", "node-b", "node-c", "node-d")) {
        FakeNode n = new FakeNode(id);
        n.update = INITIAL;
        n.examples = 100 + random.nextInt(900);
        n.delta = new float[16];
        for (int j = 0; j < n.delta.length; j++) {
          n.delta[j] = (float) random.nextDouble(-0.5, 0.5);
        }
        f.identities.record(id, n.identity.publicKey().raw());
        nodes.add(f.add(n));
      }
      // n = 4, so t = floor(2n/3) + 1 = 3: two dropouts before the masked input leave 2 < t.
      FakeNode c = nodes.get(2);
      FakeNode d = nodes.get(3);
      c.dropsBeforeMaskedInput = true;
      d.dropsBeforeMaskedInput = true;
      f.start();
      f.runNodesUntil("c and d dropped at the masked input", () -> c.silent && d.silent, LIMIT);
      f.advanceHeartbeating(Duration.ofSeconds(4)); // c and d stop being live; the stage closes with 2
      f.runNodesUntil("job ended", () -> f.job().state().terminal(), LIMIT);

      assertThat(f.awaitEnd(LIMIT)).isEqualTo(JobState.FAILED);
      assertThat(f.job().failureReason()).startsWith("round 1 failed 1 times; last: secure aggregation aborted");
      assertThat(f.events).containsExactly(
          "started round 1 attempt 1 with [node-a, node-b, node-c, node-d]",
          "failed round 1 attempt 1: " + f.job().failureReason().substring("round 1 failed 1 times; last: ".length()));
      assertThat(f.store.rounds(f.spec.getJobId())).as("no round stored").isEmpty();
      f.runNodesUntil("the survivors got the abort", () -> nodes.subList(0, 2).stream().allMatch(n ->
          n.received.stream().anyMatch(t -> t.hasSecagg()
              && t.getSecagg().getStage() == SecAggStage.SEC_AGG_STAGE_ABORT)), LIMIT);
      assertThat(f.models.exists(io.cohort.coordinator.store.ModelStore.modelId(f.spec.getJobId(), 1))).isFalse();
    }
  }
}
