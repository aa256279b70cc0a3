package io.cohort.e2e;

import static io.cohort.e2e.Federation.round;
import static io.cohort.e2e.Federation.sorted;
import static io.cohort.e2e.Federation.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure aggregation across processes with two SIGKILLs at exact protocol points of one round of
 * five nodes (t = 3):
 *
 * <ul>
 *   <li>node5 trains on a tiny shard, so it sends AdvertiseKeys seconds before the others; it is
 *       killed the moment it has (its log says so), i.e. after it joined the key list and before it
 *       sent any shares or its masked input (docs/secagg-scenarios.md D1): it must be left out of the sum;
 *   <li>node1 is killed the moment its masked input has been accepted (its upload returned), so
 *       it never answers the unmasking request (D3/D4): its update must be in the sum, its
 *       self mask removed with the shares the three live nodes hold.
 * </ul>
 * The round must complete in its first attempt with contributors node1–node4. The sum is the
 * correct one: had any mask not cancelled, the coordinator's range check on the unmasked sum (each
 * coordinate within ±|U3| · (2^(b−1) − 1)) would have aborted the round, since a leftover AES-CTR
 * mask makes all 2,050 coordinates uniform in Z_2^32.
 */
class SecureAggregationKillTest {
  static final int LOCAL_EPOCHS = 30;
  static final String SENT = "sent secure-aggregation SEC_AGG_STAGE_";

  @RegisterExtension final Federation fed = new Federation();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void nodesKilledBeforeAndAfterTheirMaskedInput_roundCompletesWithTheRightContributors() throws Exception {
    fed.startCoordinator();
    // The node logs each stage message it sent at FINE; the test watches for those lines.
    Path logging = Files.writeString(fed.dir().resolve("node-logging.properties"), """
        handlers = java.util.logging.ConsoleHandler
        .level = INFO
        java.util.logging.ConsoleHandler.level = FINE
        io.cohort.client.runtime.SecureParticipant.level = FINE
        """, StandardCharsets.UTF_8);
    List<String> jvm = List.of("-Djava.util.logging.config.file=" + logging);
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(5, fed.random());
    CreditData.Shard tiny = new CreditData.Shard(shards.get(4).train().subList(0, 24), shards.get(4).validation());
    shards.set(4, tiny);
    for (int i = 1; i <= 5; i++) {
      String id = "node" + i;
      fed.startNode(id, fed.writeNodeConfig(id, List.of(fed.writeShard("credit", id, data, shards.get(i - 1)))), jvm);
    }
    fed.awaitConnected(Duration.ofSeconds(120), "node1", "node2", "node3", "node4", "node5");

    CompletableFuture<Void> early = killWhenLogged("node5", SENT + "ADVERTISE_KEYS");
    CompletableFuture<Void> late = killWhenLogged("node1", SENT + "MASKED_INPUT");
    String jobId = fed.submit(Federation.creditJob(Map.of(
        "rounds", 1,
        "min_nodes", 3,
        "seed", fed.seed(),
        "round_timeout_seconds", 60,
        "training.local_epochs", LOCAL_EPOCHS,
        "secure_aggregation.bits", "16\n  threshold: 3")));
    early.get(120, TimeUnit.SECONDS);
    late.get(120, TimeUnit.SECONDS);
    assertThat(Files.readString(fed.node("node5").log())).as("node5 was killed before sending its shares")
        .doesNotContain(SENT + "SHARE_KEYS");
    assertThat(Files.readString(fed.node("node1").log())).as("node1 was killed before answering the unmasking request")
        .doesNotContain(SENT + "UNMASKING");

    JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(150));
    JsonNode r1 = round(end, 1);
    fed.event("job ended: " + end);
    assertThat(state(end)).as("job state; failure_reason: %s", end.path("job").path("failure_reason"))
        .isEqualTo("COMPLETED");
    assertThat(r1.path("attempt").asInt()).as("round 1 completed in its first attempt: %s", r1).isEqualTo(1);
    assertThat(sorted(r1.path("participants"))).as("participants: %s", r1)
        .containsExactly("node1", "node2", "node3", "node4", "node5");
    assertThat(sorted(r1.path("contributors")))
        .as("contributors: node1's masked input is in the sum, node5 (no shares, no input) is not: %s", r1)
        .containsExactly("node1", "node2", "node3", "node4");
    assertThat(r1.path("model_sha256").asText()).hasSize(64);
    assertThat(r1.path("evaluation").path("nodes").asInt()).as("the three live nodes evaluated: %s", r1).isEqualTo(3);
    assertThat(r1.path("evaluation").path("loss").asDouble()).as("a finite held-out loss: %s", r1).isBetween(0.0, 2.0);
  }

  /** SIGKILLs {@code nodeId} as soon as its log contains {@code line} (polled every 2 ms). */
  private CompletableFuture<Void> killWhenLogged(String nodeId, String line) {
    NodeProcess n = fed.node(nodeId);
    return CompletableFuture.runAsync(() -> {
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(n.log(), StandardCharsets.UTF_8).contains(line)) {
          if (System.nanoTime() > deadline || !n.isAlive()) {
            throw new AssertionError(nodeId + " never logged '" + line + "' (alive: " + n.isAlive() + ", seed "
                + fed.seed() + ")");
          }
          Thread.sleep(2);
        }
        fed.killNode(nodeId);
        fed.event("killed " + nodeId + " right after it logged '" + line + "'");
      } catch (IOException e) {
        throw new AssertionError(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    });
  }
}
