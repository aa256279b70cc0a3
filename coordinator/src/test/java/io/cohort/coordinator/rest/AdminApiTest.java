package io.cohort.coordinator.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.coordinator.app.AdminToken;
import io.cohort.coordinator.app.CoordinatorConfig;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.NodeEvaluation;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.coordinator.store.ScoreHistograms;
import io.cohort.wire.PooledEvaluation;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The admin API of the running Quarkus coordinator over real HTTP: 401 without or with a wrong
 * token, 403 for an auditor writing, tokens created by an admin, audit entries naming the token,
 * and the health, metrics and OpenAPI endpoints.
 */
@QuarkusTest
class AdminApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TestHTTPResource("/") URI base;
  @Inject CoordinatorConfig config;
  @Inject AdminToken adminToken;
  @Inject JobStore store;

  private String adminToken() throws Exception {
    return Files.readString(Path.of(config.dataDir()).resolve("admin.token"), StandardCharsets.US_ASCII).strip();
  }

  private HttpResponse<String> call(String method, String path, String token, String contentType, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String createToken(String role, String name) throws Exception {
    HttpResponse<String> r = call("POST", "/api/v1/tokens", adminToken(), "application/json",
        "{\"role\": \"" + role + "\", \"name\": \"" + name + "\"}");
    assertThat(r.statusCode()).as("create token: %s", r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).path("token").asText();
  }

  @Test
  void noToken_is401_andWrongToken_is401() throws Exception {
    for (String path : new String[] {"/api/v1/jobs", "/api/v1/nodes", "/api/v1/audit", "/api/v1/audit/verify",
        "/api/v1/privacy", "/api/v1/tokens"}) {
      assertThat(call("GET", path, null, null, null).statusCode()).as("GET %s without token", path).isEqualTo(401);
      assertThat(call("GET", path, "cht_not-a-token", null, null).statusCode()).as("GET %s, bad token", path)
          .isEqualTo(401);
    }
    HttpResponse<String> post = call("POST", "/api/v1/jobs", null, "application/yaml", "name: x\n");
    assertThat(post.statusCode()).isEqualTo(401);
    assertThat(post.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }

  @Test
  void auditorReads_butSubmittingIs403_andTheRefusalIsAudited() throws Exception {
    String auditor = createToken("auditor", "dpo-" + System.nanoTime());
    assertThat(call("GET", "/api/v1/jobs", auditor, null, null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/api/v1/audit/verify", auditor, null, null).statusCode()).isEqualTo(200);
    String yaml = Files.readString(Path.of("../examples/credit/job.yaml"));
    HttpResponse<String> submit = call("POST", "/api/v1/jobs", auditor, "application/yaml", yaml);
    assertThat(submit.statusCode()).as("auditor submits: %s", submit.body()).isEqualTo(403);
    assertThat(submit.body()).contains("auditor").contains("admin");
    assertThat(call("POST", "/api/v1/tokens", auditor, "application/json", "{\"role\":\"admin\",\"name\":\"x\"}")
        .statusCode()).as("auditor creates a token").isEqualTo(403);
    JsonNode audit = JSON.readTree(call("GET", "/api/v1/audit?limit=1000", adminToken(), null, null).body());
    assertThat(audit.findValuesAsText("action")).contains("auth.forbidden", "token.created");
    for (JsonNode e : audit) {
      assertThat(e.toString()).as("audit entries never carry a token").doesNotContain(auditor)
          .doesNotContain(adminToken());
    }
  }

  @Test
  void adminSubmitsAndCancels_andTheAuditNamesTheToken_andTheChainVerifies() throws Exception {
    String yaml = Files.readString(Path.of("../examples/credit/job.yaml"));
    HttpResponse<String> submit = call("POST", "/api/v1/jobs", adminToken(), "application/yaml", yaml);
    assertThat(submit.statusCode()).as(submit.body()).isEqualTo(201);
    String jobId = JSON.readTree(submit.body()).path("job_id").asText();
    HttpResponse<String> cancel = call("POST", "/api/v1/jobs/" + jobId + "/cancel", adminToken(), null, null);
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
    assertThat(JSON.readTree(cancel.body()).path("state").asText()).isEqualTo("CANCELLED");
    assertThat(call("POST", "/api/v1/jobs/" + jobId + "/cancel", adminToken(), null, null).statusCode())
        .as("cancelling twice").isEqualTo(409);
    assertThat(call("GET", "/api/v1/jobs/" + jobId + "/export", adminToken(), null, null).statusCode())
        .as("export before any round").isEqualTo(409);
    assertThat(call("GET", "/api/v1/jobs/" + jobId + "/rounds", adminToken(), null, null).body()).isEqualTo("[]");
    assertThat(call("GET", "/api/v1/jobs/" + jobId + "/metrics", adminToken(), null, null).body()).isEqualTo("[]");

    HttpResponse<String> text = call("POST", "/api/v1/jobs?source=job-dp.yaml", adminToken(), "application/yaml",
        Files.readString(Path.of("../examples/text/job-dp.yaml")));
    assertThat(text.statusCode()).as(text.body()).isEqualTo(201);
    assertThat(JSON.readTree(text.body()).path("task").asText()).isEqualTo("sequence_classification");
    assertThat(JSON.readTree(call("GET", "/api/v1/jobs", adminToken(), null, null).body()).findValuesAsText("task"))
        .contains("tabular_classification", "sequence_classification");
    String textId = JSON.readTree(text.body()).path("job_id").asText();
    assertThat(call("POST", "/api/v1/jobs/" + textId + "/cancel", adminToken(), null, null).statusCode()).isEqualTo(200);
    HttpResponse<String> bad = call("POST", "/api/v1/jobs?source=bad.yaml", adminToken(), "application/yaml",
        "task: sequence_classification\ndataset: reuters\nstrategy: {kind: fedprox}\nprivacy: {epsilon: -1, delta: 1,"
            + " clip_norm: 1, sampling_rate: 0.1}\n");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).path("error").asText()).as("every problem listed at submit")
        .contains("4 problems", "field 'model' is required", "field 'strategy.kind'", "field 'privacy.epsilon'",
            "field 'privacy.delta'");

    JsonNode entries = JSON.readTree(call("GET", "/api/v1/audit?job=" + jobId, adminToken(), null, null).body());
    assertThat(entries.findValuesAsText("action")).containsSubsequence("job.submitted", "job.cancelled");
    for (JsonNode e : entries) {
      if (e.path("action").asText().matches("job\\.(submitted|cancelled)")) {
        assertThat(e.path("actor").asText()).startsWith("token:" + AdminToken.BOOTSTRAP_NAME + " (tok-");
      }
    }
    JsonNode v = JSON.readTree(call("GET", "/api/v1/audit/verify", adminToken(), null, null).body());
    assertThat(v.path("ok").asBoolean()).as("verification: %s", v).isTrue();
  }

  /**
   * Issue 23 #7: each node's own metrics appear under their round with what the job's privacy lets them be, and
   * the curves endpoint draws the round's pooled histograms, its areas equal to the round's reported AUCs.
   */
  @Test
  void perNodeMetrics_andCurves_ofAnEvaluatedRound() throws Exception {
    String jobId = submit("../examples/credit/job.yaml");
    assertThat(call("GET", "/api/v1/jobs/" + jobId + "/curves", adminToken(), null, null).statusCode())
        .as("no round yet").isEqualTo(404);
    // No node ever joins here: the open job takes a round recorded as the round driver records one.
    store.completeRound(new RoundRecord(jobId, 1, 1, List.of("node-a", "node-b"), List.of("node-a", "node-b"), 80,
        jobId + "/round-1", "00".repeat(32), Instant.now(), Instant.now(), null), Instant.now());
    long[] pos = new long[1000];
    long[] neg = new long[1000];
    pos[900] = 6;
    pos[400] = 2;
    neg[100] = 9;
    neg[400] = 3;
    neg[700] = 1;
    double nan = Double.NaN;
    RoundRecord.Evaluation pooled = new RoundRecord.Evaluation(2, 21, 0.4, 0.8, PooledEvaluation.rocAuc(pos, neg),
        0.7, PooledEvaluation.prAuc(pos, neg), nan, nan, nan, nan);
    RoundRecord.Evaluation a = new RoundRecord.Evaluation(1, 12, 0.35, 0.83, 0.9, 0.75, 0.85, nan, nan, nan, nan);
    store.recordEvaluation(jobId, 1, pooled, new ScoreHistograms(pos, neg),
        List.of(new NodeEvaluation(1, "node-a", a, NodeEvaluation.EXACT)));
    assertThat(call("POST", "/api/v1/jobs/" + jobId + "/cancel", adminToken(), null, null).statusCode()).isEqualTo(200);

    JsonNode job = JSON.readTree(call("GET", "/api/v1/jobs/" + jobId, adminToken(), null, null).body());
    assertThat(job.path("node_metrics").asText()).startsWith("exact:");
    JsonNode node = job.path("rounds").get(0).path("node_evaluations").get(0);
    assertThat(node.path("node_id").asText()).isEqualTo("node-a");
    assertThat(node.path("examples").asLong()).isEqualTo(12);
    assertThat(node.path("roc_auc").asDouble()).isEqualTo(0.9);
    assertThat(node.path("released").asText()).isEqualTo("exact");
    assertThat(node.has("rmse")).as("NaN metrics are absent").isFalse();

    HttpResponse<String> r = call("GET", "/api/v1/jobs/" + jobId + "/curves", adminToken(), null, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode curves = JSON.readTree(r.body());
    JsonNode evaluation = job.path("rounds").get(0).path("evaluation");
    assertThat(curves.path("round").asInt()).isEqualTo(1);
    assertThat(curves.path("bins").asInt()).isEqualTo(1000);
    assertThat(curves.path("roc_auc").asDouble()).isCloseTo(evaluation.path("roc_auc").asDouble(), within(1e-12));
    assertThat(curves.path("pr_auc").asDouble()).isCloseTo(evaluation.path("pr_auc").asDouble(), within(1e-12));
    assertThat(curves.path("roc")).hasSize(5);
    assertThat(curves.path("roc").get(4).path("fpr").asDouble()).isEqualTo(1.0);
    assertThat(curves.path("precision_recall")).hasSize(2);
    assertThat(curves.path("positives").asLong()).isEqualTo(8);
    assertThat(call("GET", "/api/v1/jobs/" + jobId + "/curves?round=2", adminToken(), null, null).statusCode())
        .isEqualTo(404);
    assertThat(call("GET", "/api/v1/jobs/no-such-job/curves", adminToken(), null, null).statusCode()).isEqualTo(404);

    String dp = submit("../examples/credit/job-dp.yaml");
    assertThat(call("POST", "/api/v1/jobs/" + dp + "/cancel", adminToken(), null, null).statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(call("GET", "/api/v1/jobs/" + dp, adminToken(), null, null).body())
        .path("node_metrics").asText()).startsWith("noised:").contains("ledger");
  }

  private String submit(String jobFile) throws Exception {
    HttpResponse<String> submit = call("POST", "/api/v1/jobs", adminToken(), "application/yaml",
        Files.readString(Path.of(jobFile)));
    assertThat(submit.statusCode()).as(submit.body()).isEqualTo(201);
    return JSON.readTree(submit.body()).path("job_id").asText();
  }

  @Test
  void bootstrapToken_isPrintedNoMoreAfterTheFirstStart() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    adminToken.ensureFor(new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(out.toString(StandardCharsets.UTF_8)).as("a later start prints nothing").isEmpty();
  }

  @Test
  void privacy_isEmptyUntilNodesUploadLedgerEntries() throws Exception {
    HttpResponse<String> r = call("GET", "/api/v1/privacy?node=bank-a", adminToken(), null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).path("spend").isArray()).isTrue();
  }

  @Test
  void health_metrics_andOpenApi_areServed() throws Exception {
    assertThat(call("GET", "/q/health/live", null, null, null).statusCode()).isEqualTo(200);
    HttpResponse<String> ready = call("GET", "/q/health/ready", null, null, null);
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    String metrics = call("GET", "/q/metrics", null, null, null).body();
    assertThat(metrics).contains("cohort_nodes_connected");
    String openapi = call("GET", "/q/openapi?format=json", null, null, null).body();
    assertThat(openapi).contains("/api/v1/jobs/{jobId}/export").contains("/api/v1/audit/verify");
  }
}
