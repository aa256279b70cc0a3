package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.witness.AuditHeadWitness;
import io.cohort.crypto.witness.SignedAuditHead;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #7, node side: {@code cohort-node status} and {@code cohort-node audit-head} show the
 * witnessed coordinator audit head, and a recorded conflict (the coordinator's log went
 * backwards) makes both exit 1.
 */
class StatusAuditHeadTest {
  private static final IdentityKeyPair COORDINATOR = IdentityKeyPair.generate();
  @TempDir Path dir;

  private Path nodeYaml() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("tab.csv"), "x,c,y\n1,a,yes\n");
    return Files.writeString(dir.resolve("node.yaml"), """
        node_id: n1
        coordinator: 127.0.0.1:%d
        plaintext: true
        rpc_timeout_seconds: 2
        datasets:
          - alias: tab
            path: tab.csv
        """.formatted(port));
  }

  private record Printed(int code, String out) {}

  private static Printed status(Path config) {
    PrintStream was = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      int code = Run.of("status", "--config", config.toString()).code();
      return new Printed(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(was);
    }
  }

  @Test
  void aWitnessedHead_isShown_andAConflictMakesStatusAndAuditHeadExit1() throws Exception {
    Path config = nodeYaml();
    Run none = Run.of("audit-head", "--config", config.toString());
    assertThat(none.code()).as("nothing witnessed yet: %s", none).isEqualTo(1);
    assertThat(none.out()).contains("none witnessed yet");

    AuditHeadWitness w = AuditHeadWitness.open(dir.resolve("n1.audit-head"));
    w.observe(SignedAuditHead.sign(12, "ab".repeat(32), COORDINATOR), Instant.now());
    Run head = Run.of("audit-head", "--config", config.toString(), "--output", "json");
    assertThat(head.code()).as("%s", head).isZero();
    assertThat(head.out()).contains("\"seq\" : 12").contains("\"signature_verifies\" : true")
        .contains("\"conflicts\" : [ ]");
    Printed ok = status(config);
    assertThat(ok.out()).contains("audit head:    entry 12 abababababababab").doesNotContain("CONFLICT");

    w.observe(SignedAuditHead.sign(9, "cd".repeat(32), COORDINATOR), Instant.now());
    Printed conflict = status(config);
    assertThat(conflict.code()).as("%s", conflict.out()).isEqualTo(1);
    assertThat(conflict.out()).contains("AUDIT LOG CONFLICT").contains("WENT BACKWARDS")
        .contains("this node witnessed entry 12");
    Run text = Run.of("audit-head", "--config", config.toString());
    assertThat(text.code()).isEqualTo(1);
    assertThat(text.out()).contains("audit head:    entry 12").contains("evidence:      entry 12")
        .contains("CONFLICT:");
  }
}
