package io.cohort.e2e;

import static io.cohort.e2e.Federation.decision;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One job offered to four nodes, three of which cannot take part: a CSV with a non-numeric value
 * in a numeric column, a CSV without a column the job needs, and a node without the job's
 * dataset alias. Each must decline with a reason an operator can act on (dataset alias, line,
 * column, kind of problem), stay connected, and the job must still complete on the one good node.
 *
 * <p>Issue 22 finding #11: the bad cell holds a unique fake patient identifier. It, and the node's
 * file paths, must appear nowhere the coordinator keeps or serves: the job status API, the audit
 * log (API), the coordinator's output, and its H2 database files. The node's own log keeps the
 * full detail.
 */
class BadInputTest {
  static final List<String> NODES = List.of("good", "malformed", "missingcol", "otheralias");

  @RegisterExtension final Federation fed = new Federation();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES) // a hang fails the test (logs printed) instead of hanging CI
  void nodesWithUnusableDataDeclineWithPreciseReasonsAndStayConnected() throws Exception {
    fed.startCoordinator();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(NODES.size(), fed.random());

    // good: a valid shard
    Path good = fed.writeNodeConfig("good", List.of(fed.writeShard("credit", "good", data, shards.get(0))));

    // malformed: a fake patient identifier in the numeric column age, on a data row chosen by the seed
    List<List<String>> rows = shards.get(1).train();
    int badRow = 5 + fed.random().nextInt(rows.size() - 5);
    int badLine = badRow + 2; // line 1 is the header
    String marker = "PATIENT-" + fed.seed() + "-XYZ";
    Path malformedTrain = data.write(fed.dir().resolve("data/malformed-train.csv"),
        data.withValue(rows, badRow, "age", marker));
    Path malformedValidation = data.write(fed.dir().resolve("data/malformed-validation.csv"),
        shards.get(1).validation());
    Path malformed = fed.writeNodeConfig("malformed",
        List.of(new Federation.Dataset("credit", malformedTrain, malformedValidation)));

    // missingcol: the job's numeric column credit_amount is absent from both files
    String missingColumn = "credit_amount";
    List<String> header = data.headerWithout(missingColumn);
    Path missingTrain = CreditData.write(fed.dir().resolve("data/missingcol-train.csv"), header,
        data.rowsWithout(shards.get(2).train(), missingColumn));
    Path missingValidation = CreditData.write(fed.dir().resolve("data/missingcol-validation.csv"), header,
        data.rowsWithout(shards.get(2).validation(), missingColumn));
    Path missingcol = fed.writeNodeConfig("missingcol",
        List.of(new Federation.Dataset("credit", missingTrain, missingValidation)));

    // otheralias: valid data, but offered under alias 'other' only
    Path otheralias = fed.writeNodeConfig("otheralias", List.of(fed.writeShard("other", "otheralias", data, shards.get(3))));

    Map<String, Path> configs = Map.of("good", good, "malformed", malformed, "missingcol", missingcol,
        "otheralias", otheralias);
    for (String id : NODES) {
      fed.startNode(id, configs.get(id));
    }
    fed.awaitConnected(Duration.ofSeconds(120), NODES.toArray(String[]::new));
    fed.event("malformed row: data row " + badRow + ", line " + badLine + " of " + malformedTrain);

    String jobId = fed.submit(Federation.creditJob(Map.of(
        "rounds", 1,
        "min_nodes", 1,
        // only one node accepts, and a secure "sum" over one node would be that node's update
        "secure_aggregation.enabled", false,
        "round_timeout_seconds", 60,
        "seed", fed.seed(),
        "training.local_epochs", 2)));
    long submittedAt = System.nanoTime();

    JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(120));
    fed.event("job ended: " + end);

    Map<String, JsonNode> decisions = new TreeMap<>();
    for (JsonNode d : end.path("nodes")) {
      decisions.put(d.path("node_id").asText(), d);
    }
    assertThat(decisions.keySet()).as("every node answered the offer; nodes: %s", end.path("nodes"))
        .containsExactlyInAnyOrderElementsOf(NODES);

    JsonNode g = decision(end, "good");
    assertThat(g.path("accepted").asBoolean()).as("good accepted: %s", g).isTrue();

    JsonNode m = decision(end, "malformed");
    assertThat(m.path("accepted").asBoolean()).as("malformed declined: %s", m).isFalse();
    assertThat(m.path("reason").asText())
        .as("malformed's reason names the dataset alias, the exact line, the column and the kind of problem")
        .contains("dataset 'credit' line " + badLine + ",")
        .contains("'age'")
        .contains("not a number")
        .as("but never the cell or the node's file (seed %d)", fed.seed())
        .doesNotContain(marker)
        .doesNotContain(malformedTrain.getFileName().toString());

    JsonNode c = decision(end, "missingcol");
    assertThat(c.path("accepted").asBoolean()).as("missingcol declined: %s", c).isFalse();
    assertThat(c.path("reason").asText())
        .as("missingcol's reason names the dataset and the missing column, not the file")
        .contains("dataset 'credit'")
        .contains("'" + missingColumn + "'")
        .containsIgnoringCase("missing")
        .doesNotContain(missingTrain.getFileName().toString());

    JsonNode o = decision(end, "otheralias");
    assertThat(o.path("accepted").asBoolean()).as("otheralias declined: %s", o).isFalse();
    assertThat(o.path("reason").asText())
        .as("otheralias's reason says alias 'credit' is not configured")
        .contains("'credit'")
        .contains("not configured");

    assertThat(state(end)).as("job state; failure_reason: %s", end.path("job").path("failure_reason"))
        .isEqualTo("COMPLETED");
    assertThat(roundNumbers(end)).as("rounds").containsExactly(1);
    assertThat(sorted(round(end, 1).path("participants"))).as("round 1 participants: %s", round(end, 1))
        .containsExactly("good");
    assertThat(sorted(round(end, 1).path("contributors"))).as("round 1 contributors: %s", round(end, 1))
        .containsExactly("good");

    // Declining is not leaving: more than three heartbeat intervals after the offers, every node is
    // still running and connected.
    long settle = Duration.ofSeconds(4).toNanos() - (System.nanoTime() - submittedAt);
    if (settle > 0) {
      Thread.sleep(settle / 1_000_000);
    }
    for (String id : NODES) {
      assertThat(fed.node(id).isAlive()).as("%s still running (exit code %s)", id, fed.node(id).exitCode()).isTrue();
    }
    JsonNode nodes = fed.admin().nodes();
    fed.event("nodes: " + nodes);
    assertThat(fed.connectedNodes()).as("connected nodes after declining; GET /api/v1/nodes: %s", nodes)
        .containsExactlyInAnyOrderElementsOf(NODES);

    // Issue 22 #11: the marker is nowhere on the coordinator's side, only in the node's own log.
    String served = fed.admin().job(jobId) + "\n" + fed.admin().get("/api/v1/audit?job=" + jobId + "&limit=1000")
        + "\n" + fed.admin().get("/api/v1/audit?limit=1000") + "\n" + nodes;
    assertThat(served).as("job status and audit log served by the API (seed %d)", fed.seed())
        .doesNotContain(marker).doesNotContain(malformedTrain.toString()).doesNotContain(fed.dir().toString());
    assertThat(java.nio.file.Files.readString(fed.coordinator().log())).as("the coordinator's output")
        .doesNotContain(marker).doesNotContain(malformedTrain.toString());
    try (var files = java.nio.file.Files.walk(fed.coordinator().dataDir())) {
      for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        String bytes = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(bytes).as("coordinator file %s", f).doesNotContain(marker);
      }
    }
    assertThat(java.nio.file.Files.readString(fed.node("malformed").log())).as("the node's own log keeps the detail")
        .contains(marker).contains(malformedTrain.getFileName().toString());
  }
}
