package io.cohort.client.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * DP-SGD's Poisson sample must be secret: amplification by subsampling assumes nobody can predict
 * which records a step used, and a sampler seeded from the job's seed (public to the coordinator)
 * is predictable. This scans the production sources of the node and the engine: every DP
 * training path draws its sample from {@code PoissonSampler.secure()}, and none from a
 * reproducible sampler or a {@code java.util} generator named for sampling.
 */
class SecretSamplingTest {
  private static final List<Path> PRODUCTION_SOURCES =
      List.of(Path.of("src/main/java"), Path.of("../lm-engine/src/main/java"));

  @Test
  void noProductionCodeDrawsTheDpSampleFromAReproducibleSource() throws IOException {
    for (Path root : PRODUCTION_SOURCES) {
      assertThat(root).as("source root (run from the client-node module)").isDirectory();
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String src = Files.readString(f);
          assertThat(src).as("%s draws a DP sample from a reproducible sampler", f)
              .doesNotContain("PoissonSampler.reproducibleForTests");
        }
      }
    }
  }

  @Test
  void theTabularAndTextDpPathsUseTheSecureSampler() throws IOException {
    for (String f : List.of("src/main/java/io/cohort/client/job/TabularTrainer.java",
        "src/main/java/io/cohort/client/job/LmTrainer.java",
        "../lm-engine/src/main/java/io/cohort/lm/train/Trainer.java")) {
      assertThat(Files.readString(Path.of(f))).as(f).contains("PoissonSampler.secure()");
    }
  }
}
