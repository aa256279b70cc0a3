package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #7 over real processes: a node witnesses the coordinator's signed audit head through
 * its heartbeats; the attacker then stops the coordinator, deletes the newest audit rows and
 * rewrites {@code audit.head} to match. {@code cohort audit verify --local} still passes (the
 * finding), {@code --witness <node's file>} fails (exit 6, one clear line). Cutting one more row
 * without fixing {@code audit.head} stops the coordinator's start; starting it anyway with
 * {@code cohort.audit.allow-broken-chain=true} is recorded in the log, and the node (running all
 * along), seeing a head lower than the one it witnessed, says so in its log and in
 * {@code cohort-node status} (exit 1).
 */
class AuditWitnessE2eTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEAD_SEQ = Pattern.compile("(?m)^head seq=(\\d+) ");
  @RegisterExtension final Federation fed = new Federation();
  private Path dir;

  @BeforeEach
  void setUp(@TempDir Path tmp) throws Exception {
    fed.workIn(tmp);
    dir = fed.dir();
  }

  record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs a packaged launcher ({@code bin/cohort} or {@code bin/cohort-node}) to completion. */
  private Run run(String launcher, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(E2eEnvironment.home().resolve("bin/" + launcher).toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.remove("COHORT_TOKEN");
    env.remove("COHORT_PROVENANCE_FINGERPRINT");
    env.put("COHORT_CONFIG", dir.resolve("cli.yaml").toString());
    Launchers.quickJvm(launcher, env);
    Path out = Files.createTempFile(dir, "run", ".out");
    Path err = Files.createTempFile(dir, "run", ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(launcher + " " + String.join(" ", args) + " did not finish within 2 minutes");
    }
    Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    fed.event(launcher + " " + String.join(" ", args) + " -> exit " + r.exit());
    return r;
  }

  /** Runs SQL on the stopped coordinator's H2 database with the H2 jar the coordinator ships; returns its output. */
  private String sql(Path dataDir, String statement) throws IOException, InterruptedException {
    Path lib = E2eEnvironment.home().resolve("coordinator/target/quarkus-app/lib/main");
    Path h2;
    try (Stream<Path> jars = Files.list(lib)) {
      h2 = jars.filter(p -> p.getFileName().toString().startsWith("com.h2database.h2-")).findFirst()
          .orElseThrow(() -> new AssertionError("no H2 jar in " + lib));
    }
    Process p = new ProcessBuilder(E2eEnvironment.java(), "-cp", h2.toString(), "org.h2.tools.Shell", "-url",
        "jdbc:h2:file:" + dataDir.resolve("db/coordinator"), "-user", "cohort", "-password", "", "-sql", statement)
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("H2 shell finished: %s", output).isTrue();
    assertThat(p.exitValue()).as("H2 shell for %s: %s", statement, output).isZero();
    fed.event("sql: " + statement + " -> " + output.strip());
    return output;
  }

  /** POST /api/v1/tokens with the bootstrap admin token: one audited admin action. */
  private static void createToken(CoordinatorProcess c, String name) throws IOException, InterruptedException {
    String admin = Files.readString(c.dataDir().resolve("admin.token"), StandardCharsets.US_ASCII).strip();
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + c.httpPort() + "/api/v1/tokens"))
            .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"role\":\"auditor\",\"name\":\"" + name
                + "\"}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("POST /api/v1/tokens: %s", r.body()).isBetween(200, 201);
  }

  private static long witnessedSeq(Path witness) throws IOException {
    if (!Files.exists(witness)) {
      return -1;
    }
    Matcher m = HEAD_SEQ.matcher(Files.readString(witness));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void cuttingTheTailAndRewritingTheHead_isCaughtByTheNodesWitness() throws Exception {
    fed.startCoordinator();
    Path coordinatorData = fed.coordinator().dataDir();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(1, fed.random());
    Path nodeConfig = fed.writeNodeConfig("node1", List.of(fed.writeShard("credit", "node1", data, shards.get(0))));
    fed.startNode("node1", nodeConfig);
    fed.awaitConnected(Duration.ofSeconds(60), "node1");

    // Some admin actions, so that the log has entries to cut and room to grow again.
    for (int i = 1; i <= 6; i++) {
      createToken(fed.coordinator(), "dpo-" + i);
    }
    // The node witnesses the newest head within a heartbeat or two.
    JsonNode verified = fed.admin().get("/api/v1/audit/verify");
    long headSeq = verified.path("head_seq").asLong();
    assertThat(headSeq).as("entries so far (bootstrap token, node joined, ...): %s", verified)
        .isGreaterThanOrEqualTo(8);
    Path witness = dir.resolve("node1.audit-head");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> witnessedSeq(witness) >= headSeq);
    Run head = run("cohort-node", "audit-head", "--config", nodeConfig.toString(), "--output", "json");
    assertThat(head.exit()).as("%s", head).isZero();
    JsonNode h = JSON.readTree(head.out());
    assertThat(h.path("file").asText()).isEqualTo(witness.toString());
    assertThat(h.path("head").path("signature_verifies").asBoolean()).as("%s", head).isTrue();
    String fingerprint = h.path("head").path("signer_fingerprint").asText();
    assertThat(fingerprint).as("signed with the provenance key verify-export pins")
        .isEqualTo(fed.admin().get("/api/v1/provenance/key").path("fingerprint").asText());
    assertThat(Files.getPosixFilePermissions(witness)).as("witness file mode")
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    // Issue 22 #9: the start-up WARNs that told the operator nothing (only the plaintext-dev warning is meant).
    assertThat(fed.coordinator().logTail(400)).doesNotContain("newer than the version Flyway")
        .doesNotContain("legacy gRPC").doesNotContain("virtual threads");

    // The node keeps running (it retries with backoff): its witness changes only with heartbeat replies.
    fed.coordinator().stop(20);
    long witnessed = witnessedSeq(witness);
    String dataDirArg = "--data-dir=" + coordinatorData;
    Run before = run("cohort", "audit", "verify", "--local", dataDirArg, "--witness", witness.toString(),
        "--fingerprint", fingerprint);
    assertThat(before.exit()).as("before the cut: %s", before).isZero();
    assertThat(before.out()).contains("witnessed head entry " + witnessed);

    // The attack: cut the four newest entries and rewrite audit.head to the new last one. (Four, so
    // that the log, growing again after the restart below, stays below the witnessed head.)
    long keep = witnessed - 4;
    String cut = sql(coordinatorData, "DELETE FROM audit_log WHERE seq > " + keep + "; SELECT seq, hash FROM audit_log"
        + " WHERE seq = " + keep);
    Matcher last = Pattern.compile("(?m)^" + keep + "\\s*\\|\\s*([0-9a-f]{64})").matcher(cut);
    assertThat(last.find()).as("the new last row in: %s", cut).isTrue();
    Files.writeString(coordinatorData.resolve("audit.head"), keep + " " + last.group(1) + "\n");

    Run alone = run("cohort", "audit", "verify", "--local", dataDirArg);
    assertThat(alone.exit()).as("the finding: the cut log with a rewritten head verifies alone: %s", alone).isZero();
    Run withWitness = run("cohort", "audit", "verify", "--local", dataDirArg, "--witness", witness.toString());
    assertThat(withWitness.exit()).as("%s", withWitness).isEqualTo(6);
    assertThat(withWitness.out()).contains("audit log BROKEN against the witness")
        .contains("the log ends at entry " + keep + " but the node witnessed entry " + witnessed);

    // One more row cut without fixing audit.head: the coordinator refuses to start ...
    sql(coordinatorData, "DELETE FROM audit_log WHERE seq = " + keep);
    fed.coordinator().start();
    await().atMost(Duration.ofSeconds(60)).until(() -> !fed.coordinator().isAlive());
    assertThat(fed.coordinator().exitCode()).as("exit code of a start on a broken chain").isNotZero();
    assertThat(fed.coordinator().logTail(200)).contains("refuses to start on a broken audit log")
        .contains("cohort.audit.allow-broken-chain=true");
    String refusedStart = fed.coordinator().logTail(200);
    refusedStart = refusedStart.substring(Math.max(0, refusedStart.lastIndexOf(": start #")));
    assertThat(refusedStart).as("the refused start says one line, no stack trace").doesNotContain("\tat ")
        .doesNotContain("Caused by");

    // ... unless told to, which is audited; the node then sees a head below the one it witnessed.
    CoordinatorProcess allowed = new CoordinatorProcess(coordinatorData, dir.resolve("logs/coordinator-allowed.log"),
        fed.coordinator().grpcPort(), fed.coordinator().httpPort(), List.of("cohort.audit.allow-broken-chain=true"));
    try {
      allowed.start();
      AdminClient admin = allowed.awaitReady(Duration.ofSeconds(90));
      JsonNode accepted = admin.get("/api/v1/audit?after=" + (keep - 2) + "&limit=10");
      assertThat(accepted.findValuesAsText("action")).as("%s", accepted).contains("audit.broken_chain_accepted");
      assertThat(allowed.logTail(200)).contains("STARTING ON A BROKEN AUDIT LOG");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
          .until(() -> Files.readString(witness).contains("conflict at="));
      assertThat(witnessedSeq(witness)).as("the witness never moves backwards").isEqualTo(witnessed);
      assertThat(fed.node("node1").logTail(200)).contains("AUDIT HEAD CONFLICT")
          .contains("WENT BACKWARDS");
      Run status = run("cohort-node", "status", "--config", nodeConfig.toString());
      assertThat(status.exit()).as("%s", status).isEqualTo(1);
      assertThat(status.out()).contains("AUDIT LOG CONFLICT").contains("this node witnessed entry " + witnessed);
    } finally {
      allowed.kill();
    }
  }
}
