package io.cohort.e2e;

import static io.cohort.e2e.Federation.round;
import static io.cohort.e2e.Federation.sorted;
import static io.cohort.e2e.Federation.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #5: with the default secure-aggregation threshold (t = n − ⌊n/3⌋, so 2 of 3) a round of
 * three nodes survives one of them dying mid-round. node3 is SIGKILLed the moment its masked input
 * was accepted, so it never answers the unmasking request; the two live nodes' shares remove its
 * masks, and the round completes in its first attempt with node3's update in the sum. (With the
 * old default t = n the round failed and was retried in full.) The job file sets no threshold.
 */
class SecureAggregationDefaultThresholdTest {
  static final String SENT = "sent secure-aggregation SEC_AGG_STAGE_";

  @RegisterExtension final Federation fed = new Federation();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void oneOfThreeDiesAfterItsMaskedInput_roundCompletesInItsFirstAttempt() throws Exception {
    fed.startCoordinator();
    // The node logs each stage message it sent at FINE; the test watches for those lines.
    Path logging = Files.writeString(fed.dir().resolve("node-logging.properties"), """
        handlers = java.util.logging.ConsoleHandler
        .level = INFO
        java.util.logging.ConsoleHandler.level = FINE
        io.cohort.client.runtime.SecureParticipant.level = FINE
        """, StandardCharsets.UTF_8);
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(3, fed.random());
    for (int i = 1; i <= 3; i++) {
      String id = "node" + i;
      fed.startNode(id, fed.writeNodeConfig(id, List.of(fed.writeShard("credit", id, data, shards.get(i - 1)))),
          List.of("-Djava.util.logging.config.file=" + logging));
    }
    fed.awaitConnected(Duration.ofSeconds(120), "node1", "node2", "node3");

    String job = Federation.creditJob(Map.of("rounds", 1, "min_nodes", 2, "seed", fed.seed(),
        "round_timeout_seconds", 60));
    assertThat(job).as("the job leaves the threshold to its default").doesNotContain("threshold");
    String jobId = fed.submit(job);
    NodeProcess node3 = fed.node("node3");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.readString(node3.log(), StandardCharsets.UTF_8).contains(SENT + "MASKED_INPUT")) {
      assertThat(System.nanoTime()).as("node3 sent its masked input within 120 s (seed %d)", fed.seed())
          .isLessThan(deadline);
      assertThat(node3.isAlive()).isTrue();
      Thread.sleep(2);
    }
    fed.killNode("node3");
    assertThat(Files.readString(node3.log())).as("node3 died before answering the unmasking request")
        .doesNotContain(SENT + "UNMASKING");

    JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(150));
    JsonNode r1 = round(end, 1);
    assertThat(state(end)).as("job state; failure_reason: %s", end.path("job").path("failure_reason"))
        .isEqualTo("COMPLETED");
    assertThat(r1.path("attempt").asInt()).as("round 1 completed in its first attempt: %s", r1).isEqualTo(1);
    assertThat(sorted(r1.path("participants"))).as("participants: %s", r1).containsExactly("node1", "node2", "node3");
    assertThat(sorted(r1.path("contributors"))).as("node3's masked input is in the sum: %s", r1)
        .containsExactly("node1", "node2", "node3");
    JsonNode audit = fed.admin().get("/api/v1/audit?job=" + jobId + "&limit=1000");
    assertThat(audit.findValuesAsText("action")).as("no failed attempt in the audit log: %s", audit)
        .contains("round.completed").doesNotContain("round.attempt_failed");
  }
}
