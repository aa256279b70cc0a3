package io.cohort.e2e;

import static io.cohort.e2e.Federation.evaluated;
import static io.cohort.e2e.Federation.round;
import static io.cohort.e2e.Federation.roundNumbers;
import static io.cohort.e2e.Federation.sorted;
import static io.cohort.e2e.Federation.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node dies mid-round (SIGKILL: no goodbye, its heartbeats just stop). The coordinator must
 * notice within a few heartbeat intervals and finish the round with the survivors instead of
 * waiting for the round deadline; the node, restarted with the same config, must take part
 * again, and the job must complete.
 */
class NodeKillTest {
  /** Long enough that a round lasts several seconds on two cores, so the kill lands mid-round. */
  static final int LOCAL_EPOCHS = 150;
  static final int ROUND_TIMEOUT_SECONDS = 60;
  static final int ROUNDS = 4;

  @RegisterExtension final Federation fed = new Federation();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a hang fails the test (logs printed) instead of hanging CI
  void survivorsFinishTheRoundAndTheRestartedNodeRejoins() throws Exception {
    fed.startCoordinator();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(3, fed.random());
    for (int i = 1; i <= 3; i++) {
      String id = "node" + i;
      Path config = fed.writeNodeConfig(id, List.of(fed.writeShard("credit", id, data, shards.get(i - 1))));
      fed.startNode(id, config);
    }
    fed.awaitConnected(Duration.ofSeconds(90), "node1", "node2", "node3");

    String jobId = fed.submit(Federation.creditJob(Map.of(
        "rounds", ROUNDS,
        "min_nodes", 2,
        // Secure aggregation is on: with 3 nodes the default threshold is 3, which tolerates no
        // dropout; t = 2 (> n/2) lets the round finish without the killed node, as this test needs.
        "secure_aggregation.bits", "16\n  threshold: 2",
        "round_timeout_seconds", ROUND_TIMEOUT_SECONDS,
        "seed", fed.seed(),
        "training.local_epochs", LOCAL_EPOCHS)));

    JsonNode afterRound1 = fed.awaitJob(jobId, Duration.ofSeconds(120), "evaluation of round 1", j -> evaluated(j, 1));
    fed.event("round 1 evaluated: " + round(afterRound1, 1));
    assertThat(sorted(round(afterRound1, 1).path("contributors")))
        .as("round 1 contributors (all three nodes were connected and accepted)")
        .containsExactly("node1", "node2", "node3");

    // Round 2 starts as soon as round 1's evaluation is stored. Kill node3 one second into it.
    Thread.sleep(1000);
    JsonNode beforeKill = fed.admin().job(jobId);
    assertThat(round(beforeKill, 2))
        .as("round 2 must still be running 1 s in, or the kill would not land mid-round: raise LOCAL_EPOCHS"
            + " (seed %d); job: %s", fed.seed(), beforeKill)
        .isNull();
    fed.killNode("node3");
    long killedAt = System.nanoTime();

    // The coordinator counts a node as gone after three missed heartbeats (1 s apart here).
    await("node3 reported disconnected within 10 s of its SIGKILL (seed " + fed.seed() + ")")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> !fed.connectedNodes().contains("node3"));
    double noticedAfter = (System.nanoTime() - killedAt) / 1e9;
    fed.event(String.format(Locale.ROOT, "node3 reported disconnected %.1f s after the kill", noticedAfter));
    // Restart it now, while the survivors still train round 2: a node takes seconds to start, and
    // it should be back for round 3 or 4.
    fed.restartNode("node3");

    JsonNode afterRound2 = fed.awaitJob(jobId, Duration.ofSeconds(ROUND_TIMEOUT_SECONDS + 30),
        "completion of round 2", j -> round(j, 2) != null);
    double round2After = (System.nanoTime() - killedAt) / 1e9;
    JsonNode r2 = round(afterRound2, 2);
    fed.event(String.format(Locale.ROOT, "round 2 recorded %.1f s after the kill: %s", round2After, r2));
    assertThat(sorted(r2.path("participants")))
        .as("round 2 participants: node3 was asked to train before it died; round 2 = %s", r2)
        .containsExactly("node1", "node2", "node3");
    assertThat(sorted(r2.path("contributors")))
        .as("round 2 contributors: the survivors only; round 2 = %s", r2)
        .containsExactly("node1", "node2");
    assertThat(r2.path("attempt").asInt())
        .as("round 2 completed in its first attempt, not after a timed-out retry; round 2 = %s", r2)
        .isEqualTo(1);
    assertThat(r2.path("duration_ms").asLong())
        .as("round 2 did not wait for the %d s round deadline; round 2 = %s", ROUND_TIMEOUT_SECONDS, r2)
        .isLessThan(ROUND_TIMEOUT_SECONDS * 1000L / 2);
    assertThat(r2.path("model_sha256").asText()).as("round 2 stored a global model").hasSize(64);

    fed.awaitConnected(Duration.ofSeconds(90), "node3");

    JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(240));
    fed.event("job ended: " + end);
    assertThat(state(end)).as("job state; failure_reason: %s", end.path("job").path("failure_reason"))
        .isEqualTo("COMPLETED");
    assertThat(end.path("job").path("rounds_completed").asInt()).isEqualTo(ROUNDS);
    assertThat(roundNumbers(end)).as("rounds recorded, each once").containsExactly(1, 2, 3, 4);
    List<Integer> rejoined = new ArrayList<>();
    for (int r = 3; r <= ROUNDS; r++) {
      if (sorted(round(end, r).path("contributors")).contains("node3")) {
        rejoined.add(r);
      }
    }
    assertThat(rejoined)
        .as("rounds after the restart that node3 contributed to; rounds: %s", end.path("rounds"))
        .isNotEmpty();
    for (int r = 1; r <= ROUNDS; r++) {
      assertThat(round(end, r).path("evaluation").path("nodes").asInt())
          .as("nodes that evaluated round %d (node1 and node2 at least): %s", r, round(end, r))
          .isGreaterThanOrEqualTo(2);
    }
  }
}
