package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.config.ConfigException;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import io.cohort.lm.model.Blas;
import io.cohort.lm.model.Parallel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node daemon's compute threads: {@code compute.threads} of node.yaml, or {@code --threads},
 * sizes both the language-model engine's pool and OpenBLAS; a bad value stops the node with exit
 * code 2 and one line naming the setting and its range.
 */
class NodeComputeThreadsTest {
  @AfterEach
  void restoreTheDefault() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  private static Path nodeYaml(Path dir, String extra) throws Exception {
    return Files.writeString(dir.resolve("node.yaml"), """
        node_id: n1
        coordinator: 127.0.0.1:9
        plaintext: true
        """ + extra);
  }

  @Test
  void computeThreadsOfNodeYaml_sizeTheEngineAndOpenBlas(@TempDir Path dir) throws Exception {
    NodeConfig cfg = NodeConfigLoader.load(nodeYaml(dir, "compute:\n  threads: 1\n"));
    assertThat(NodeMain.applyComputeThreads(null, cfg)).isEqualTo(1);
    assertThat(Parallel.threads()).isEqualTo(1);
    assertThat(Blas.threads()).isEqualTo(1);
  }

  @Test
  void threadsFlag_overridesNodeYaml(@TempDir Path dir) throws Exception {
    NodeConfig cfg = NodeConfigLoader.load(nodeYaml(dir, "compute:\n  threads: 1\n"));
    assertThat(NodeMain.applyComputeThreads(2, cfg)).isEqualTo(2);
    assertThat(Parallel.threads()).isEqualTo(2);
    assertThat(Blas.threads()).isEqualTo(2);
  }

  @Test
  void withoutTheSetting_everyCore(@TempDir Path dir) throws Exception {
    NodeConfig cfg = NodeConfigLoader.load(nodeYaml(dir, ""));
    Parallel.setThreads(1);
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(NodeMain.applyComputeThreads(null, cfg)).isEqualTo(cores);
    assertThat(Parallel.threads()).isEqualTo(cores);
  }

  @Test
  void threadsFlagOutOfRange_isRefusedBeforeAnythingChanges(@TempDir Path dir) throws Exception {
    NodeConfig cfg = NodeConfigLoader.load(nodeYaml(dir, ""));
    Parallel.setThreads(1);
    assertThatThrownBy(() -> NodeMain.applyComputeThreads(0, cfg)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--threads must be between 1 and 1024").hasMessageEndingWith("got 0");
    assertThatThrownBy(() -> NodeMain.applyComputeThreads(1025, cfg))
        .hasMessageStartingWith("--threads must be between 1 and 1024").hasMessageEndingWith("got 1025");
    assertThat(Parallel.threads()).isEqualTo(1);
  }

  @Test
  void badValues_stopTheDaemonWithExitCode2AndOneLine(@TempDir Path dir) throws Exception {
    Path good = nodeYaml(dir, "");
    Run flag = daemon("--config", good.toString(), "--threads", "0");
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("cohort-node: --threads must be between 1 and 1024").doesNotContain("Exception");
    Path bad = nodeYaml(dir, "compute:\n  threads: 0\n");
    Run file = daemon("--config", bad.toString());
    assertThat(file.code()).isEqualTo(2);
    assertThat(file.err()).contains("cohort-node: " + bad + ": field 'compute.threads' must be a whole number between"
        + " 1 and 1024").doesNotContain("Exception");
  }

  private record Run(int code, String err) {}

  /** The daemon's command line with System.err captured (it reports start-up errors there). */
  private static Run daemon(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new Run(NodeMain.run(args), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }
}
