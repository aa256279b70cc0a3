package io.cohort.e2e;

import static io.cohort.e2e.Federation.round;
import static io.cohort.e2e.Federation.sorted;
import static io.cohort.e2e.Federation.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The foundation's 3-node credit federation, run twice on the same processes with the same seed:
 * with secure aggregation on and with it off. Training is seeded (initial model, shuffling per node
 * and round), so the two runs differ only by what secure aggregation does to the updates: clip to
 * [-c, c] (the credit MLP's deltas are far inside c = 1), pre-scale by count / W_max and quantise
 * with unbiased stochastic rounding. Each coordinate of a round's mean is then off by at most
 * n · Δ · W_max / Σ counts ≈ 3 · 3.1e-5 · 1000 / 800 ≈ 1.2e-4 (typically far less, the errors being
 * independent and zero-mean). The held-out metrics must agree to what such a perturbation of a
 * 2,050-parameter model can move them: loss within 2e-3, ROC AUC within 5e-3, accuracy within 1.5%
 * (three of the ~200 held-out records flipping), every round.
 */
class SecureAggregationOnOffTest {
  static final int ROUNDS = 3;

  @RegisterExtension final Federation fed = new Federation();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void finalMetricsWithSecureAggregationOn_equalPlaintextWithinTheQuantisationError() throws Exception {
    fed.startCoordinator();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(3, fed.random());
    for (int i = 1; i <= 3; i++) {
      String id = "node" + i;
      fed.startNode(id, fed.writeNodeConfig(id, List.of(fed.writeShard("credit", id, data, shards.get(i - 1)))));
    }
    fed.awaitConnected(Duration.ofSeconds(90), "node1", "node2", "node3");

    JsonNode on = run(true);
    JsonNode off = run(false);
    assertThat(on.path("job").path("secure_aggregation").asText()).startsWith("ON");
    assertThat(off.path("job").path("secure_aggregation").asText()).isEqualTo("OFF");
    for (int r = 1; r <= ROUNDS; r++) {
      JsonNode a = round(on, r).path("evaluation");
      JsonNode b = round(off, r).path("evaluation");
      fed.event("round " + r + ": on " + a + " / off " + b);
      String where = "round " + r + " (seed " + fed.seed() + "): on " + a + ", off " + b;
      assertThat(a.path("examples").asLong()).as(where).isEqualTo(b.path("examples").asLong()).isPositive();
      assertThat(a.path("loss").asDouble()).as("loss, " + where).isCloseTo(b.path("loss").asDouble(), within(2e-3));
      assertThat(a.path("roc_auc").asDouble()).as("ROC AUC, " + where)
          .isCloseTo(b.path("roc_auc").asDouble(), within(5e-3));
      assertThat(a.path("accuracy").asDouble()).as("accuracy, " + where)
          .isCloseTo(b.path("accuracy").asDouble(), within(0.015));
      assertThat(sorted(round(on, r).path("contributors"))).as(where).containsExactly("node1", "node2", "node3");
    }
  }

  private JsonNode run(boolean secure) throws Exception {
    String jobId = fed.submit(Federation.creditJob(Map.of(
        "rounds", ROUNDS,
        "min_nodes", 3,
        "seed", fed.seed(),
        "secure_aggregation.enabled", secure,
        // W_max near the shards' sizes keeps the pre-scaling by count / W_max from wasting levels.
        "secure_aggregation.bits", "16\n  max_examples: 1000")));
    JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(120));
    assertThat(state(end)).as("job with secure aggregation %s: %s", secure ? "on" : "off", end).isEqualTo("COMPLETED");
    return end;
  }
}
