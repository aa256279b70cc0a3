package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.client.privacy.PrivateJobs;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.proto.v1.JobSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PrivacyBudgetCommandTest {
  @TempDir Path dir;

  private String run(Path config, int expectedCode) {
    StringWriter out = new StringWriter();
    CommandLine cl = NodeMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(out));
    assertThat(cl.execute("privacy", "budget", "--config", config.toString())).as(out.toString())
        .isEqualTo(expectedCode);
    return out.toString();
  }

  @Test
  void showsBudgetSpentAndRemaining_fromTheVerifiedLedger() throws Exception {
    PrivateJobs.csv(dir, 5);
    Path yaml = dir.resolve("node.yaml");
    Files.writeString(yaml, """
        node_id: n1
        coordinator: 127.0.0.1:1
        plaintext: true
        datasets:
          - alias: tab
            path: tab.csv
            epsilon_budget: 5
            delta: 1.0e-5
        """);
    assertThat(run(yaml, 0)).contains("dataset tab: budget epsilon 5.0 at delta 1.0E-5 (rdp); nothing spent yet");
    NodeConfig cfg = NodeConfigLoader.load(yaml);
    JobSpec job = PrivateJobs.spec("job-b", 4, 2);
    double spent;
    try (PrivacyGuard g = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()))) {
      g.record(g.admit(job, 1, 60).orElseThrow());
      spent = g.spentEpsilon("tab");
    }
    String out = run(yaml, 0);
    assertThat(out).contains(String.format(java.util.Locale.ROOT, "spent %.4f, reserved 0.0000, remaining %.4f; 1 releases",
        spent, 5 - spent)).contains("verifies").contains("job job-b: 1 releases, rounds 1-1");
    // A tampered ledger is reported and fails the command.
    Path ledger = cfg.datasets().get(0).budget().orElseThrow().ledgerPath();
    Files.writeString(ledger, Files.readString(ledger).replace("round=1", "round=2"));
    assertThat(run(yaml, 1)).contains("DOES NOT VERIFY");
  }
}
