package io.cohort.e2e;

import static io.cohort.e2e.Federation.round;
import static io.cohort.e2e.Federation.roundNumbers;
import static io.cohort.e2e.Federation.sorted;
import static io.cohort.e2e.Federation.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator is SIGKILLed in the middle of a job and started again on the same data
 * directory and ports. The nodes reconnect on their own; the job must resume from its last
 * stored round and complete with every round exactly once: none lost, none run twice, and the
 * rounds stored before the kill unchanged. Runs on H2 and, when {@code COHORT_TEST_POSTGRES_URL}
 * is set, on PostgreSQL ({@link TestDatabases}). After the restart the audit log still verifies.
 */
@Isolated("the kill must land within moments of round 2 being stored, before the last round")
class CoordinatorRestartTest {
  /** Two rounds stored before the kill (the test kills right after round 2), at least one after the restart. */
  static final int ROUNDS = 4;
  /** Rounds of about two seconds with three nodes on two cores. */
  static final int LOCAL_EPOCHS = 40;
  static final List<String> NODES = List.of("node1", "node2", "node3");

  @RegisterExtension final Federation fed = new Federation();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.cohort.e2e.TestDatabases#databases")
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang fails the test (logs printed) instead of hanging CI
  void jobResumesAfterCoordinatorKillWithoutLosingOrRepeatingRounds(String database) throws Exception {
    fed.coordinatorProperties(TestDatabases.coordinatorProperties(database));
    fed.startCoordinator();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(NODES.size(), fed.random());
    long validationRows = shards.stream().mapToLong(s -> s.validation().size()).sum();
    for (int i = 0; i < NODES.size(); i++) {
      String id = NODES.get(i);
      fed.startNode(id, fed.writeNodeConfig(id, List.of(fed.writeShard("credit", id, data, shards.get(i)))));
    }
    fed.awaitConnected(Duration.ofSeconds(90), NODES.toArray(String[]::new));

    // min_nodes 3: every round, before and after the restart, needs all three nodes back.
    String jobId = fed.submit(Federation.creditJob(Map.of(
        "rounds", ROUNDS,
        "min_nodes", NODES.size(),
        "round_timeout_seconds", 60,
        "seed", fed.seed(),
        "training.local_epochs", LOCAL_EPOCHS)));

    // Polled often, so that the kill comes within moments of round 2 being stored: a round must be
    // durable as soon as the API shows it, and its evaluation (still running) must not be lost.
    JsonNode beforeKill = fed.awaitJob(jobId, Duration.ofSeconds(120), Duration.ofMillis(20), "2 completed rounds",
        j -> j.path("job").path("rounds_completed").asInt() >= 2);
    fed.killCoordinator();
    fed.event("killed with the job at: " + beforeKill);
    assertThat(state(beforeKill)).as("job state before the kill").isEqualTo("RUNNING");
    int completedBeforeKill = beforeKill.path("job").path("rounds_completed").asInt();
    assertThat(completedBeforeKill)
        .as("the kill must land before the last round, or there is nothing left to resume (seed %d)", fed.seed())
        .isLessThan(ROUNDS);
    Map<Integer, JsonNode> seenBeforeKill = new TreeMap<>();
    for (JsonNode r : beforeKill.path("rounds")) {
      seenBeforeKill.put(r.path("round").asInt(), r);
    }
    // (The job row and the round rows are read one after the other, so a round stored in between
    // may be listed too; what is listed must still be 1..k, each once.)
    assertThat(roundNumbers(beforeKill)).as("rounds listed before the kill: %s", beforeKill.path("rounds"))
        .containsExactlyElementsOf(rangeClosed(1, seenBeforeKill.size()))
        .hasSizeGreaterThanOrEqualTo(completedBeforeKill);

    fed.restartCoordinator();
    JsonNode afterRestart = fed.admin().job(jobId);
    fed.event("after the restart: " + afterRestart);
    assertThat(afterRestart.path("job").path("rounds_completed").asInt())
        .as("completed rounds survive the kill; after restart: %s", afterRestart)
        .isGreaterThanOrEqualTo(completedBeforeKill);
    assertRoundsUnchanged(seenBeforeKill, afterRestart);

    fed.awaitConnected(Duration.ofSeconds(60), NODES.toArray(String[]::new));

    JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(180));
    fed.event("job ended: " + end);
    assertThat(state(end)).as("job state; failure_reason: %s", end.path("job").path("failure_reason"))
        .isEqualTo("COMPLETED");
    assertThat(end.path("job").path("rounds_completed").asInt()).as("rounds_completed").isEqualTo(ROUNDS);
    assertThat(end.path("job").path("rounds_total").asInt()).as("rounds_total").isEqualTo(ROUNDS);
    assertThat(roundNumbers(end)).as("every round exactly once, in order; rounds: %s", end.path("rounds"))
        .containsExactlyElementsOf(rangeClosed(1, ROUNDS));
    assertRoundsUnchanged(seenBeforeKill, end);
    JsonNode audit = fed.admin().get("/api/v1/audit/verify");
    assertThat(audit.path("ok").asBoolean()).as("audit chain after kill and restart (%s): %s", database, audit)
        .isTrue();
    for (int r = 1; r <= ROUNDS; r++) {
      JsonNode rec = round(end, r);
      assertThat(sorted(rec.path("contributors"))).as("contributors of round %d: %s", r, rec)
          .containsExactlyElementsOf(NODES);
      assertThat(rec.path("model_sha256").asText()).as("model of round %d: %s", r, rec).hasSize(64);
      // A round stored just before the kill is evaluated after the restart; that evaluation must
      // still come from the nodes, not be recorded empty before they are back.
      assertThat(rec.path("evaluation").path("nodes").asInt())
          .as("nodes that evaluated round %d's model (all three were connected): %s", r, rec)
          .isEqualTo(NODES.size());
      assertThat(rec.path("evaluation").path("examples").asLong())
          .as("validation examples of round %d's evaluation: %s", r, rec)
          .isEqualTo(validationRows);
    }
  }

  /** Each round seen before the kill is still there with the same model, attempt and contributors. */
  private void assertRoundsUnchanged(Map<Integer, JsonNode> before, JsonNode job) {
    for (Map.Entry<Integer, JsonNode> e : before.entrySet()) {
      JsonNode was = e.getValue();
      JsonNode now = round(job, e.getKey());
      assertThat(now).as("round %d, recorded before the kill, is still recorded; job: %s", e.getKey(), job).isNotNull();
      assertThat(now.path("model_sha256").asText())
          .as("model of round %d after the restart (before: %s, now: %s)", e.getKey(), was, now)
          .isEqualTo(was.path("model_sha256").asText());
      assertThat(now.path("attempt").asInt()).as("attempt of round %d (before: %s, now: %s)", e.getKey(), was, now)
          .isEqualTo(was.path("attempt").asInt());
      assertThat(sorted(now.path("contributors")))
          .as("contributors of round %d (before: %s, now: %s)", e.getKey(), was, now)
          .isEqualTo(sorted(was.path("contributors")));
      assertThat(now.path("num_examples").asLong()).as("examples of round %d", e.getKey())
          .isEqualTo(was.path("num_examples").asLong());
    }
  }

  private static List<Integer> rangeClosed(int from, int to) {
    return java.util.stream.IntStream.rangeClosed(from, to).boxed().toList();
  }
}
