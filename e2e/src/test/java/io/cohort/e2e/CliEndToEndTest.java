package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The administrator's path, as a user runs it: the packaged {@code bin/cohort} as a process against
 * a running coordinator with three nodes. Submit the credit job, watch it to completion (plain
 * lines, since stdout is a pipe), export the model and check its digests, verify the audit log;
 * then the roles: an auditor token reads but cannot submit (exit 5), a bad token gets exit 4, and
 * the bootstrap admin token never appears in the coordinator's output (only where its file is), not even
 * after a restart (issue 22 finding #8).
 */
class CliEndToEndTest {
  static final List<String> NODES = List.of("node1", "node2", "node3");
  static final int ROUNDS = 3;

  @RegisterExtension final Federation fed = new Federation();
  private Path dir;

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    this.dir = dir;
    fed.workIn(dir);
  }

  record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs {@code bin/cohort ARGS} against the test's coordinator, isolated from the user's config and token. */
  private Run cohort(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(E2eEnvironment.home().resolve("bin/cohort").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.remove("COHORT_TOKEN");
    env.put("COHORT_CONFIG", dir.resolve("cli.yaml").toString());
    env.put("COHORT_COORDINATOR", "http://127.0.0.1:" + fed.coordinator().httpPort());
    env.put("COHORT_DATA_DIR", fed.coordinator().dataDir().toString());
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(4, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("bin/cohort " + String.join(" ", args) + " did not finish within 4 minutes");
    }
    Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    fed.event("bin/cohort " + String.join(" ", args) + " -> exit " + r.exit());
    return r;
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void submitWatchExportVerify_andRoles_asAUserRunsThem() throws Exception {
    fed.startCoordinator();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(NODES.size(), fed.random());
    for (int i = 0; i < NODES.size(); i++) {
      String id = NODES.get(i);
      fed.startNode(id, fed.writeNodeConfig(id, List.of(fed.writeShard("credit", id, data, shards.get(i)))));
    }
    fed.awaitConnected(Duration.ofSeconds(90), NODES.toArray(String[]::new));
    Path jobFile = dir.resolve("credit-job.yaml");
    Files.writeString(jobFile, Federation.creditJob(Map.of("rounds", ROUNDS, "seed", fed.seed())));

    // Submit and watch to completion.
    Run submit = cohort("job", "submit", jobFile.toString());
    assertThat(submit.exit()).as("job submit: %s", submit).isZero();
    String jobId = submit.out().strip();
    assertThat(jobId).matches("job-[0-9a-f]{12}");
    Run watch = cohort("job", "watch", jobId, "--interval", "500ms");
    assertThat(watch.exit()).as("job watch: %s", watch).isZero();
    List<String> lines = watch.out().lines().toList();
    assertThat(lines).as("watch output: %s", watch).filteredOn(l -> l.startsWith("round ")).hasSize(ROUNDS);
    for (int r = 1; r <= ROUNDS; r++) {
      assertThat(watch.out()).as("watch output: %s", watch)
          .containsPattern("round +" + r + "  participants 3/3  loss \\d\\.\\d{4}  accuracy \\d\\.\\d{4}  roc_auc");
    }
    assertThat(lines.get(lines.size() - 1)).isEqualTo("job " + jobId + " COMPLETED " + ROUNDS + "/" + ROUNDS + " rounds");
    assertThat(watch.out()).as("no terminal control codes when stdout is not a terminal").doesNotContain("\033", "\r");

    // Export: the file's digests match the coordinator's round record.
    JsonNode job = fed.admin().job(jobId);
    String modelSha = job.path("rounds").get(ROUNDS - 1).path("model_sha256").asText();
    Path model = dir.resolve("model.bundle");
    Run export = cohort("job", "export", jobId, "--out", model.toString());
    assertThat(export.exit()).as("job export: %s", export).isZero();
    assertThat(export.out()).contains("model sha256 " + modelSha);
    assertThat(Files.size(model)).isPositive();
    assertThat(cohort("job", "export", jobId, "--out", model.toString()).exit()).as("refuses to overwrite").isEqualTo(2);

    // The audit log verifies and records the submission under the bootstrap token's name.
    Run verify = cohort("audit", "verify");
    assertThat(verify.exit()).as("audit verify: %s", verify).isZero();
    assertThat(verify.out()).startsWith("audit log OK: ");
    Run audit = cohort("audit", "list", "--job", jobId, "--limit", "1000", "--output", "json");
    JsonNode entries = AdminClient.JSON.readTree(audit.out());
    assertThat(entries.findValuesAsText("action")).contains("job.submitted", "job.running", "round.started",
        "round.completed", "round.evaluated", "job.completed");
    assertThat(entries.get(0).path("actor").asText()).startsWith("token:bootstrap-admin (tok-");

    // Roles: an auditor reads but cannot submit; a bad token is refused.
    Run create = cohort("token", "create", "--role", "auditor", "--name", "dpo", "--output", "json");
    assertThat(create.exit()).as("token create: %s", create).isZero();
    String auditor = AdminClient.JSON.readTree(create.out()).path("token").asText();
    assertThat(auditor).startsWith("cht_");
    assertThat(cohort("job", "list", "--token", auditor).exit()).as("auditor lists jobs").isZero();
    assertThat(cohort("audit", "verify", "--token", auditor).exit()).as("auditor verifies the audit log").isZero();
    Run denied = cohort("job", "submit", jobFile.toString(), "--token", auditor);
    assertThat(denied.exit()).as("auditor submits: %s", denied).isEqualTo(5);
    assertThat(denied.err()).contains("auditor").contains("admin").doesNotContain("Exception").doesNotContain("\tat ");
    Run bad = cohort("job", "list", "--token", "cht_wrong");
    assertThat(bad.exit()).as("wrong token: %s", bad).isEqualTo(4);
    assertThat(bad.err()).contains("not valid").doesNotContain("Exception");

    // Issue 22 #8: the bootstrap token is never printed (stdout goes to journald); the output says where it is.
    String adminToken = Files.readString(fed.coordinator().dataDir().resolve("admin.token"), StandardCharsets.US_ASCII)
        .strip();
    fed.killCoordinator();
    fed.restartCoordinator();
    String log = Files.readString(fed.coordinator().log());
    assertThat(log.split(java.util.regex.Pattern.quote(adminToken), -1).length - 1)
        .as("times the admin token appears in the coordinator's output over two starts").isZero();
    assertThat(log).contains(fed.coordinator().dataDir().resolve("admin.token").toAbsolutePath().toString());
    assertThat(log).doesNotContain(auditor);
    assertThat(cohort("audit", "verify").exit()).as("audit verify after a restart").isZero();
  }
}
