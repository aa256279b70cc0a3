package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trust, end to end, with the launchers an operator (and every container entrypoint) runs:
 * {@code bin/cohort pki init}, the coordinator in its default mutual-TLS mode, {@code bin/cohort
 * node token|approve|revoke}, {@code bin/cohort-node enroll|status}, and the node daemon. A
 * revoked node is refused at its next heartbeat and stays out.
 */
class MutualTlsE2eTest {
  @TempDir Path dir;
  private final List<ManagedProcess> processes = new ArrayList<>();

  @AfterEach
  void cleanup() throws InterruptedException {
    for (ManagedProcess p : processes) {
      p.kill("cleanup after the test");
    }
  }

  /** Runs a launcher from bin/ to completion; returns its exit code and output. */
  private record Run(int exit, String output) {}

  private Run run(String launcher, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(E2eEnvironment.home().resolve("bin/" + launcher).toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, launcher, ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    Launchers.quickJvm(launcher, pb.environment());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(launcher + " " + String.join(" ", args) + " did not finish:\n" + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  private Path nodeConfig(String nodeId, CoordinatorProcess c) throws IOException {
    Path cfg = dir.resolve(nodeId).resolve("node.yaml");
    Files.createDirectories(cfg.getParent());
    Files.writeString(cfg, "node_id: " + nodeId + "\ncoordinator: " + c.grpcAddress() + "\nmax_backoff_seconds: 1\n"
        + "datasets: []\n");
    return cfg;
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void enrolConnectApproveAndRevoke_withTheLaunchers() throws Exception {
    Path data = dir.resolve("coordinator");
    Run init = run("cohort", "pki", "init", "--dev-ca", "--data-dir", data.toString());
    assertThat(init.exit()).as(init.output()).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("pki/ca.key"))))
        .isEqualTo("rw-------");
    Files.createDirectories(dir.resolve("logs"));
    CoordinatorProcess c = new CoordinatorProcess(data, dir.resolve("logs/coordinator.log"), Federation.freePort(),
        Federation.freePort(), true);
    processes.add(c);
    c.start();
    AdminClient admin = c.awaitReady(Duration.ofSeconds(90));
    String api = c.baseUri().toString();

    // Online enrolment with a pre-approved token; the node then connects with its certificate.
    Run token = run("cohort", "node", "token", "site-a", "--coordinator", api, "--data-dir", data.toString());
    assertThat(token.exit()).as(token.output()).isZero();
    String secret = token.output().lines().filter(l -> l.matches("[A-Za-z0-9_-]+\\.[0-9a-f]{64}")).findFirst().orElseThrow();
    Path cfgA = nodeConfig("site-a", c);
    Run enrol = run("cohort-node", "enroll", "--config", cfgA.toString(), "--token", secret);
    assertThat(enrol.exit()).as(enrol.output()).isZero();
    assertThat(enrol.output()).contains("certificate request fingerprint: ").contains("enrolled: certificate");
    NodeProcess a = new NodeProcess("site-a", cfgA, dir.resolve("logs/site-a.log"));
    processes.add(a);
    a.start();
    await().atMost(Duration.ofSeconds(90)).until(() -> connected(admin, "site-a"));
    Run status = run("cohort-node", "status", "--config", cfgA.toString());
    assertThat(status.output()).as(status.output()).contains("connected, certificate accepted").contains("CN=site-a");

    // Manual approval: the request waits until the administrator approves its fingerprint.
    Run manual = run("cohort", "node", "token", "site-b", "--manual", "--coordinator", api, "--data-dir", data.toString());
    String secretB = manual.output().lines().filter(l -> l.matches("[A-Za-z0-9_-]+\\.[0-9a-f]{64}")).findFirst().orElseThrow();
    Path cfgB = nodeConfig("site-b", c);
    Path enrolLog = dir.resolve("logs/enrol-b.log");
    ProcessBuilder waitingPb = new ProcessBuilder(E2eEnvironment.home().resolve("bin/cohort-node").toString(), "enroll",
        "--config", cfgB.toString(), "--token", secretB).redirectErrorStream(true).redirectOutput(enrolLog.toFile());
    Launchers.quickJvm("cohort-node", waitingPb.environment());
    Process waiting = waitingPb.start();
    try {
      Pattern fp = Pattern.compile("cohort node approve site-b --fingerprint ([0-9a-f]{64})");
      await().atMost(Duration.ofSeconds(90)).until(() -> fp.matcher(Files.readString(enrolLog)).find());
      Matcher m = fp.matcher(Files.readString(enrolLog));
      assertThat(m.find()).isTrue();
      Run approve = run("cohort", "node", "approve", "site-b", "--fingerprint", m.group(1), "--coordinator", api,
          "--data-dir", data.toString());
      assertThat(approve.exit()).as(approve.output()).isZero();
      assertThat(waiting.waitFor(90, TimeUnit.SECONDS)).isTrue();
      assertThat(waiting.exitValue()).as(Files.readString(enrolLog)).isZero();
      assertThat(cfgB.resolveSibling("site-b.crt")).exists();
    } finally {
      waiting.destroyForcibly();
    }

    // Revocation: the node's next heartbeat is refused, its session ends, and it cannot come back.
    Run revoke = run("cohort", "node", "revoke", "site-a", "--coordinator", api, "--data-dir", data.toString());
    assertThat(revoke.exit()).as(revoke.output()).isZero();
    assertThat(connected(admin, "site-a")).isFalse();
    await().atMost(Duration.ofSeconds(60)).until(() -> a.logTail(200).contains("is revoked"));
    assertThat(connected(admin, "site-a")).isFalse();
    Run after = run("cohort-node", "status", "--config", cfgA.toString());
    // Issue 22 #9: a revoked node says so, and exits 3, so monitoring can tell it from a verified ledger.
    assertThat(after.output()).contains("REVOKED").contains("is revoked");
    assertThat(after.exit()).as(after.output()).isEqualTo(3);
  }

  private static boolean connected(AdminClient admin, String nodeId) throws IOException, InterruptedException {
    for (var n : admin.nodes()) {
      if (n.path("node_id").asText().equals(nodeId)) {
        return n.path("connected").asBoolean();
      }
    }
    return false;
  }
}
