package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small private text job through {@code bin/cohort simulate} as a user runs it: the JSONL split,
 * a real coordinator and two real nodes over mutual TLS loading the shipped tiny GPT-2, LoRA
 * sequence classification with DP-SGD and secure aggregation, each node's ledger epsilon per round,
 * and the final global model evaluated as a PEFT adapter on a held-out file. Kept small (48
 * records, 32 tokens, one round) so it adds well under a minute on an idle machine.
 */
class TextSimulationTest {
  private static final String JOB = """
      name: grain-e2e
      task: sequence_classification
      dataset: reuters
      rounds: 1
      min_nodes: 2
      seed: 7
      model: {name: tiny-gpt2-reuters, sha256: b054c0e42eb19a268b7d5fe45f405c9b45819f484569eec51e52fd55d3122fee}
      text: {max_length: 32}
      training: {local_epochs: 1, batch_size: 8, learning_rate: 0.002}
      privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, expected_batch_size: 8, public_validation: true}
      """;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void privateTextJob_runsThroughTheRealProcesses_andReportsRoundsLedgersAndTheTestFile(@TempDir Path dir)
      throws Exception {
    long seed = E2eEnvironment.seed();
    Path home = E2eEnvironment.home();
    E2eEnvironment.nodeJar();
    E2eEnvironment.coordinatorJar();
    // 48 training records with 8 about grain, 16 test records with 4, drawn with the test seed
    List<String> all = Files.readAllLines(home.resolve("examples/text/reuters-grain-train.jsonl"));
    SplittableRandom random = new SplittableRandom(seed);
    List<String> grain = all.stream().filter(l -> l.endsWith("\"label\": 1}")).toList();
    List<String> other = all.stream().filter(l -> l.endsWith("\"label\": 0}")).toList();
    assertThat(grain).as("the shipped file's label format").isNotEmpty();
    StringBuilder train = new StringBuilder();
    StringBuilder test = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      (i < 8 ? train : test).append(grain.get(random.nextInt(grain.size()))).append('\n');
    }
    for (int i = 0; i < 52; i++) {
      (i < 40 ? train : test).append(other.get(random.nextInt(other.size()))).append('\n');
    }
    Files.writeString(dir.resolve("train.jsonl"), train);
    Files.writeString(dir.resolve("test.jsonl"), test);
    Files.writeString(dir.resolve("job.yaml"), JOB);

    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/cohort").toString(), "simulate", "--job",
        dir.resolve("job.yaml").toString(), "--data", dir.resolve("train.jsonl").toString(), "--test",
        dir.resolve("test.jsonl").toString(), "--nodes", "2", "--no-baseline", "--seed", String.valueOf(seed),
        "--work-dir", dir.resolve("run").toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("simulate.out").toFile());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("seed " + seed + ": cohort simulate did not finish within 5 minutes");
    }
    String out = Files.readString(dir.resolve("simulate.out"));
    assertThat(p.exitValue()).as("seed %d, output:%n%s", seed, out).isZero();
    assertThat(out).as("seed %d", seed)
        .contains("secure aggregation: ON", "privacy: DP-SGD eps=8.0")
        .containsPattern("round +1  participants 2/2  loss \\d+\\.\\d{4}  accuracy \\d\\.\\d{4}  roc_auc \\d\\.\\d{4}"
            + "  f1 \\d\\.\\d{4} \\(best \\d\\.\\d{4} at \\d\\.\\d{3}\\)  pr_auc \\d\\.\\d{4}  \\(\\d+ held-out examples\\)")
        .containsPattern("epsilon spent so far \\(verified ledger entries\\): node1 \\d\\.\\d{3} node2 \\d\\.\\d{3}")
        .contains("node1 (entries verified)", "node2 (entries verified)")
        .doesNotContain("OVER BUDGET")
        // The final adapter (written by the export code, frozen A regenerated from the job seed)
        // reproduces the nodes' federated evaluation of the last round: same examples, accuracy, F1.
        .containsPattern("check: the adapter on the pooled validation records: .*: counts match")
        .containsPattern("federated \\(2 nodes\\), DP +16 +\\d\\.\\d{4} +\\d\\.\\d{4} +\\d\\.\\d{4}");
    assertThat(dir.resolve("run/final-adapter/adapter_model.safetensors")).isRegularFile();
    assertThat(dir.resolve("run/final-adapter/adapter_config.json")).isRegularFile();
  }
}
