package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private chat SFT job through {@code bin/cohort simulate}: the conversations split over two real
 * nodes (mutual TLS, secure aggregation) that load the shipped tiny GPT-2, DP-SGD with the
 * conversation as the privacy unit, each node's verified ledger epsilon, the pooled federated
 * evaluation (assistant-token NLL and exact match of greedy answers, as counts), and the final
 * adapter re-evaluated on the pooled validation conversations and on a test file. Kept small (40
 * conversations, one round) so it adds well under a minute on an idle machine.
 */
class ChatSimulationTest {
  private static final String JOB = """
      name: chat-e2e
      task: chat_sft
      dataset: reuters-words
      rounds: 1
      min_nodes: 2
      seed: 7
      model: {name: tiny-gpt2-reuters, sha256: b054c0e42eb19a268b7d5fe45f405c9b45819f484569eec51e52fd55d3122fee}
      text: {max_length: 128}
      training: {local_epochs: 1, batch_size: 8, learning_rate: 0.005}
      privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, expected_batch_size: 8, public_validation: true}
      """;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void privateChatJob_runsThroughTheRealProcesses_andReportsNllExactMatchAndLedgers(@TempDir Path dir)
      throws Exception {
    long seed = E2eEnvironment.seed();
    Path home = E2eEnvironment.home();
    E2eEnvironment.nodeJar();
    E2eEnvironment.coordinatorJar();
    // 40 training and 8 test conversations drawn with the test seed from the shipped files
    List<String> train = pick(Files.readAllLines(home.resolve("examples/chat/reuters-words-chat-train.jsonl")),
        40, new SplittableRandom(seed));
    List<String> test = pick(Files.readAllLines(home.resolve("examples/chat/reuters-words-chat-test.jsonl")),
        8, new SplittableRandom(seed + 1));
    Files.write(dir.resolve("train.jsonl"), train);
    Files.write(dir.resolve("test.jsonl"), test);
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
        .containsPattern("round +1  participants 2/2  assistant NLL \\d+\\.\\d{4}  exact match \\d\\.\\d{4}"
            + "  \\(\\d+ held-out assistant tokens\\)")
        .containsPattern("epsilon spent so far \\(verified ledger entries\\): node1 \\d\\.\\d{3} node2 \\d\\.\\d{3}")
        .contains("node1 (entries verified)", "node2 (entries verified)")
        .doesNotContain("OVER BUDGET")
        // The exported adapter reproduces the nodes' pooled evaluation: tokens, NLL and exact matches.
        .containsPattern("check: the adapter on the pooled validation conversations: .*: match")
        .containsPattern("federated \\(2 nodes\\), DP +8 +\\d+ +\\d+\\.\\d{4} +\\d\\.\\d{4}");
    assertThat(dir.resolve("run/final-adapter/adapter_model.safetensors")).isRegularFile();
  }

  private static List<String> pick(List<String> lines, int n, SplittableRandom random) {
    List<String> pool = new ArrayList<>(lines);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(pool.remove(random.nextInt(pool.size())));
    }
    return out;
  }
}
