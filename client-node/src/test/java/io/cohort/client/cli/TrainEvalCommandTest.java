package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.peft.PeftAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort-node train} and {@code eval} in-process on the shipped tiny GPT-2 with a few
 * records of the Reuters data, short sequences and one epoch (seconds, not a learning test; the
 * learning recipe is {@code bench/model/learning.sh}).
 */
class TrainEvalCommandTest {
  private static final String MODEL = Path.of("..", "examples", "text", "tiny-gpt2-reuters").toString();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static Path data;

  private static Run run(String... args) {
    return Run.of(args);
  }

  @BeforeAll
  static void data() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "examples", "text", "reuters-grain-train.jsonl"));
    List<String> some = new ArrayList<>();
    int pos = 0;
    for (String l : lines) {
      boolean grain = l.contains("\"label\": 1");
      if ((grain && pos < 4) || (!grain && some.size() - pos < 8)) {
        some.add(l);
        pos += grain ? 1 : 0;
      }
    }
    data = dir.resolve("small.jsonl");
    Files.write(data, some);
  }

  private static String[] train(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--model", MODEL, "--data", data.toString(), "--out",
        out.toString(), "--epochs", "1", "--batch-size", "4", "--max-length", "24", "--threads", "1"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void trainWritesAPeftAdapterThatEvalScores() throws Exception {
    Path out = dir.resolve("adapter");
    Run t = run(train(out, "--output", "json"));
    assertThat(t.code()).as(t.err()).isZero();
    JsonNode summary = JSON.readTree(t.out());
    assertThat(summary.get("steps").asInt()).isEqualTo(3);
    assertThat(summary.get("pooling").asText()).isEqualTo("mean");
    PeftAdapter adapter = PeftAdapter.read(out);
    assertThat(adapter.lora()).hasSize(4).containsKey("transformer.h.0.attn.c_attn");
    assertThat(adapter.savedModules()).containsOnlyKeys("score.weight", "score.bias");
    assertThat(adapter.config().taskType()).isEqualTo("SEQ_CLS");

    Run e = run("eval", "--model", MODEL, "--adapter", out.toString(), "--data", data.toString(), "--max-length", "24",
        "--threads", "1", "--output", "json", "--threshold", "0");
    assertThat(e.code()).as(e.err()).isZero();
    JsonNode m = JSON.readTree(e.out());
    assertThat(m.get("task").asText()).isEqualTo("seq-cls");
    assertThat(m.get("records").asInt()).isEqualTo(12);
    assertThat(m.get("roc_auc").asDouble()).isBetween(0.0, 1.0);
    assertThat(m.get("accuracy").asDouble()).isBetween(0.0, 1.0);
    // At threshold 0 every record counts as positive: recall 1, precision the positive rate.
    assertThat(m.get("recall_at_threshold").asDouble()).isEqualTo(1.0);
    assertThat(m.get("f1_at_threshold").asDouble()).isBetween(0.0, 1.0);
    assertThat(m.get("best_f1").asDouble()).isGreaterThanOrEqualTo(m.get("f1_at_threshold").asDouble());
    assertThat(m.get("pr_auc").asDouble()).isBetween(0.0, 1.0);
    assertThat(m.get("edge_records").asLong()).isBetween(0L, 12L);

    // The same adapter at the nodes' default precision (auto: BF16 products on this CPU) and another
    // batching: a record's predicted label may change only where eval says it sits at the 0.5 edge.
    Run b = run("eval", "--model", MODEL, "--adapter", out.toString(), "--data", data.toString(), "--max-length", "24",
        "--threads", "1", "--output", "json", "--precision", "auto", "--batch-size", "5");
    assertThat(b.code()).as(b.err()).isZero();
    JsonNode mb = JSON.readTree(b.out());
    long flipped = Math.abs(Math.round(12 * m.get("accuracy").asDouble()) - Math.round(12 * mb.get("accuracy").asDouble()));
    assertThat(flipped).as("fp32 %s vs auto %s", m, mb)
        .isLessThanOrEqualTo(Math.max(m.get("edge_records").asLong(), mb.get("edge_records").asLong()));
  }

  @Test
  void lossLogHasEveryStepAndTheirMeanIsTheReportedLoss() throws Exception {
    Path log = dir.resolve("loss.csv");
    Run t = run(train(dir.resolve("logged"), "--loss-log", log.toString(), "--output", "json"));
    assertThat(t.code()).as(t.err()).isZero();
    JsonNode summary = JSON.readTree(t.out());
    List<String> lines = Files.readAllLines(log);
    assertThat(lines.get(0)).isEqualTo("step,examples,loss");
    assertThat(lines).hasSize(1 + 3); // 12 records in batches of 4, one epoch
    double sum = 0;
    int examples = 0;
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",");
      assertThat(Integer.parseInt(f[0])).as(lines.get(i)).isEqualTo(i);
      sum += Double.parseDouble(f[2]) * Integer.parseInt(f[1]);
      examples += Integer.parseInt(f[1]);
    }
    assertThat(examples).isEqualTo(12);
    double reported = summary.get("final_epoch_loss").asDouble();
    assertThat(sum / examples).as("the epoch's example-weighted mean").isCloseTo(reported,
        org.assertj.core.api.Assertions.within(1e-6 * reported));
  }

  @Test
  void edgeRecordsCountsScoresWithinTheMarginOfATie() {
    float e = (float) EvalCommand.EDGE_MARGIN;
    // two labels: scores of label 1 at 0.5 ± margin/2 (edge), 0.5 ± 2 margins and 0.9 (not)
    float[] two = {0.5f + e / 2, 0.5f - e / 2, 0.5f - e / 2, 0.5f + e / 2, 0.5f + 2 * e, 0.5f - 2 * e, 0.1f, 0.9f};
    assertThat(EvalCommand.edgeRecords(two, 2)).isEqualTo(2);
    // three labels: the two best within 2 margins is an edge whatever the third
    float[] three = {0.45f, 0.45f + e, 0.1f - e, 0.2f, 0.3f, 0.5f, 0.6f, 0.2f, 0.2f};
    assertThat(EvalCommand.edgeRecords(three, 3)).isEqualTo(1);
  }

  @Test
  void dpTrainingReportsThePlanForTheAccountant() throws Exception {
    Run t = run(train(dir.resolve("dp"), "--dp", "--noise-multiplier", "1.0", "--clip", "0.5", "--output", "json"));
    assertThat(t.code()).as(t.err()).isZero();
    JsonNode dp = JSON.readTree(t.out()).get("dp");
    assertThat(dp.get("q").asDouble()).isEqualTo(4.0 / 12);
    assertThat(dp.get("noise_multiplier").asDouble()).isEqualTo(1.0);
    assertThat(dp.get("steps").asInt()).isEqualTo(3);
    assertThat(dp.get("epsilon").asDouble()).isPositive();
    // FFA-LoRA is the default under DP: only B is trained, so A keeps its seeded initial values.
    PeftAdapter a = PeftAdapter.read(dir.resolve("dp"));
    assertThat(a.lora()).hasSize(4);
  }

  @Test
  void causalLmEvalReportsPerplexityWithoutAnAdapter() throws Exception {
    Run e = run("eval", "--model", MODEL, "--data", data.toString(), "--max-length", "16", "--threads", "1",
        "--output", "json");
    assertThat(e.code()).as(e.err()).isZero();
    JsonNode m = JSON.readTree(e.out());
    assertThat(m.get("task").asText()).isEqualTo("causal-lm");
    assertThat(m.get("perplexity").asDouble()).isCloseTo(Math.exp(m.get("mean_nll").asDouble()),
        org.assertj.core.api.Assertions.within(1e-6));
    assertThat(m.get("mean_nll").asDouble()).isBetween(1.0, 10.0);
  }

  @Test
  void badInputGetsOneLineAndExitCode2() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"text\": \"ok\", \"label\": 0}\nnot json\n");
    Object[][] cases = {
        {train(dir.resolve("x1"), "--lora-r", "0"), "--lora-r must be >= 1"},
        {train(dir.resolve("x2"), "--task", "summarize"), "--task must be seq-cls, causal-lm or chat-sft"},
        {new String[] {"train", "--model", MODEL, "--data", data.toString(), "--out", dir.resolve("x3").toString(),
            "--max-length", "100000"}, "--max-length must be in [2, 256]"},
        {train(dir.resolve("x4"), "--noise-multiplier", "1"), "--noise-multiplier needs --dp"},
        {train(dir.resolve("x5"), "--target-modules", "q_proj"), "match no layer"},
        {train(dir.resolve("x8"), "--precision", "fp16"), "--precision must be fp32, bf16 or auto, got 'fp16'"},
        {train(dir.resolve("x9"), "--loss-log", dir.resolve("no-such-folder").resolve("loss.csv").toString()),
            "no-such-folder does not exist"},
        {train(dir.resolve("x10"), "--loss-log", dir.toString()), "is a folder; give a file name"},
        {new String[] {"train", "--model", MODEL, "--data", bad.toString(), "--out", dir.resolve("x6").toString()},
            "bad.jsonl:2: not valid JSON"},
        {new String[] {"train", "--model", MODEL, "--data", dir.resolve("none.jsonl").toString(), "--out",
            dir.resolve("x7").toString()}, "no such file"},
        {new String[] {"eval", "--model", dir.toString(), "--data", data.toString()}, "config.json"},
        {new String[] {"eval", "--model", MODEL, "--data", data.toString(), "--task", "seq-cls"}, "needs --adapter"},
        {new String[] {"eval", "--model", MODEL, "--data", data.toString(), "--precision", "fp16"},
            "--precision must be fp32, bf16 or auto, got 'fp16'"},
        {new String[] {"eval", "--model", MODEL, "--data", data.toString(), "--threshold", "1.5"},
            "--threshold must be a score in [0, 1], got 1.5"},
    };
    for (Object[] c : cases) {
      Run r = run((String[]) c[0]);
      assertThat(r.code()).as("exit code for %s: %s", String.join(" ", (String[]) c[0]), r.err()).isEqualTo(2);
      assertThat(r.err()).contains((String) c[1]).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(dir.resolve("x9")).as("a bad --loss-log is refused before anything is written").doesNotExist();
  }
}
