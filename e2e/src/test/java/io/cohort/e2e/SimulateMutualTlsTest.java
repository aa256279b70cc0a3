package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #9: the 3-node simulation runs with mutual TLS on by default. Runs the packaged
 * {@code bin/cohort simulate} exactly as the README does (the tabular credit job, shortened to two
 * rounds, no central baseline) and checks, from its output and every process's log, that the
 * coordinator required client certificates, that no process ran in plaintext mode, and that each
 * node connected with its certificate and registered.
 */
class SimulateMutualTlsTest {
  static final int NODES = 3;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void simulateRunsOverMutualTlsByDefault(@TempDir Path dir) throws Exception {
    Path job = Files.writeString(dir.resolve("job.yaml"),
        Federation.creditJob(Map.of("rounds", 2, "seed", E2eEnvironment.seed())), StandardCharsets.UTF_8);
    Path work = dir.resolve("sim");
    Path out = dir.resolve("simulate.out");
    ProcessBuilder pb = new ProcessBuilder(E2eEnvironment.home().resolve("bin/cohort").toString(), "simulate",
        "--job", job.toString(), "--no-baseline", "--seed", Long.toString(E2eEnvironment.seed()),
        "--work-dir", work.toString())
        .directory(E2eEnvironment.home().toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().remove("COHORT_TOKEN");
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("bin/cohort simulate did not finish within 5 minutes; output:\n" + Files.readString(out));
    }
    String output = Files.readString(out);
    assertThat(p.exitValue()).as("exit code of bin/cohort simulate (seed %d); output:%n%s", E2eEnvironment.seed(),
        output).isZero();
    assertThat(output).contains("transport: mutual TLS 1.3, node certificates issued offline by federation CA")
        .contains("COMPLETED").doesNotContainIgnoringCase("plaintext");

    String coordinatorLog = Files.readString(work.resolve("coordinator.log"));
    assertThat(coordinatorLog).as("coordinator.log").contains("gRPC requires mutual TLS")
        .doesNotContain("PLAINTEXT DEVELOPMENT MODE");
    for (int i = 1; i <= NODES; i++) {
      String config = Files.readString(work.resolve("node" + i + ".yaml"));
      assertThat(config).as("node%d.yaml turns nothing off", i).doesNotContain("plaintext");
      String log = Files.readString(work.resolve("node" + i + ".log"));
      assertThat(log).as("node%d.log", i).contains("mutual TLS with certificate").doesNotContain("PLAINTEXT")
          .contains("registered with coordinator");
      // The simulation's nodes share one machine: one compute thread each (compute.threads: 1).
      assertThat(log).as("node%d.log", i).contains("; 1 compute thread(s) for the language-model engine and OpenBLAS");
      assertThat(List.of(work.resolve("node" + i + ".crt"), work.resolve("ca.crt")))
          .as("node%d's certificate files", i).allSatisfy(f -> assertThat(f).isRegularFile());
    }
  }
}
