package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 finding #9: a failed enrolment left a fresh identity key behind. */
class EnrollCommandTest {
  @TempDir Path dir;

  private Path nodeYaml(int port) throws Exception {
    Files.writeString(dir.resolve("tab.csv"), "x,c,y\n1,a,yes\n");
    return Files.writeString(dir.resolve("node.yaml"), """
        node_id: n1
        coordinator: 127.0.0.1:%d
        datasets:
          - alias: tab
            path: tab.csv
        """.formatted(port));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aFailedEnrolment_leavesNoNewIdentityKey_butKeepsAnExistingOne() throws Exception {
    Path config = nodeYaml(closedPort());
    Path key = dir.resolve("n1.identity.key");
    String token = "secret." + "ab".repeat(32);
    // --wait bounds the retries of an unreachable coordinator (UNAVAILABLE is retried with backoff while it lasts).
    Run failed = Run.of("enroll", "--config", config.toString(), "--token", token, "--wait", "PT3S");
    assertThat(failed.code()).as("%s", failed).isEqualTo(ExitCode.FAILED.code());
    assertThat(key).as("the key made for this attempt is removed").doesNotExist();
    // A key that was there before (renewal) is never removed.
    Run.of("enroll", "--config", config.toString(), "--csr-out", dir.resolve("n1.csr").toString());
    assertThat(key).exists();
    byte[] before = Files.readAllBytes(key);
    assertThat(Run.of("enroll", "--config", config.toString(), "--token", token, "--wait", "PT1S").code()).isEqualTo(1);
    assertThat(key).exists();
    assertThat(Files.readAllBytes(key)).isEqualTo(before);
  }
}
