package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmStartTest {
  @TempDir
  Path home;

  @Test
  void quickStartsCompileWithC1OnlyAndFullStartsKeepC2() {
    assertThat(JvmStart.QUICK.options()).containsExactly("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    assertThat(JvmStart.FULL.options()).containsExactly("-XX:+UseSerialGC");
  }

  @Test
  void theServerAndTheNodesKeepFullCompilationAndTheSimulationsCoordinatorAndToolsMayNot() throws Exception {
    Path coordinator = Processes.coordinatorJar(home);
    Path node = Processes.nodeJar(home);
    Files.createDirectories(coordinator.getParent());
    Files.createFile(coordinator);
    Files.createDirectories(node.getParent());
    Files.createFile(node);
    assertThat(Processes.coordinator(home, List.of("a=b")).command()).doesNotContain("-XX:TieredStopAtLevel=1")
        .contains("-Da=b", "-jar", coordinator.toString());
    assertThat(Processes.node(home, List.of("--config", "n.yaml")).command()).doesNotContain("-XX:TieredStopAtLevel=1")
        .endsWith("-jar", node.toString(), "--config", "n.yaml");
    assertThat(Processes.coordinator(home, List.of(), JvmStart.QUICK).command()).contains("-XX:TieredStopAtLevel=1");
    assertThat(Processes.node(home, List.of("partition"), JvmStart.QUICK).command())
        .containsSubsequence("-XX:TieredStopAtLevel=1", "-jar", node.toString(), "partition");
  }
}
