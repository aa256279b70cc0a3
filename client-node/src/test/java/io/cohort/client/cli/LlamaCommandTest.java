package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.peft.PeftAdapter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cohort-node tokenize / train / eval on Llama-family folders, and one-line errors (exit 2) for broken ones. */
class LlamaCommandTest {
  private static final Path LLAMA = Path.of("..", "examples", "llama", "tiny-llama3");
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static Path data;

  @BeforeAll
  static void data() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "examples", "text", "reuters-grain-test.jsonl"));
    data = dir.resolve("small.jsonl");
    Files.write(data, lines.subList(0, 8));
  }

  @Test
  void tokenizeUsesTheFoldersTokenizerJson() throws Exception {
    Path in = dir.resolve("texts.txt");
    Files.writeString(in, "Hello world\n");
    Run r = Run.of("tokenize", "--model", LLAMA.toString(), "--input", in.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().trim()).isEqualTo("[9906,1917]");
  }

  @Test
  void trainCausalLmOnAllLinearLayersThenEvalWithTheAdapter() throws Exception {
    Run base = Run.of("eval", "--model", LLAMA.toString(), "--data", data.toString(), "--task", "causal-lm",
        "--max-length", "32", "--threads", "1", "--output", "json");
    assertThat(base.code()).as(base.err()).isZero();
    double before = JSON.readTree(base.out()).get("mean_nll").asDouble();
    assertThat(before).isGreaterThan(5.0);

    Path out = dir.resolve("adapter");
    Run t = Run.of("train", "--model", LLAMA.toString(), "--data", data.toString(), "--task", "causal-lm",
        "--target-modules", "all-linear", "--out", out.toString(), "--epochs", "1", "--batch-size", "4",
        "--max-length", "32", "--threads", "1", "--output", "json");
    assertThat(t.code()).as(t.err()).isZero();
    PeftAdapter adapter = PeftAdapter.read(out);
    assertThat(adapter.lora()).hasSize(14).containsKey("model.layers.0.self_attn.q_proj");
    assertThat(adapter.config().fanInFanOut()).isFalse();

    Run e = Run.of("eval", "--model", LLAMA.toString(), "--adapter", out.toString(), "--data", data.toString(),
        "--task", "causal-lm", "--max-length", "32", "--threads", "1", "--output", "json");
    assertThat(e.code()).as(e.err()).isZero();
    JsonNode m = JSON.readTree(e.out());
    double adapted = m.get("mean_nll").asDouble();
    assertThat(adapted).as("the trained adapter changes the model").isNotEqualTo(before);

    Path merged = dir.resolve("merged");
    Run x = Run.of("export", "--adapter", out.toString(), "--model", LLAMA.toString(), "--merged", "--out",
        merged.toString());
    assertThat(x.code()).as(x.err()).isZero();
    Run em = Run.of("eval", "--model", merged.toString(), "--data", data.toString(), "--task", "causal-lm",
        "--max-length", "32", "--threads", "1", "--output", "json");
    assertThat(em.code()).as(em.err()).isZero();
    assertThat(JSON.readTree(em.out()).get("mean_nll").asDouble()).as("merged model = base + adapter")
        .isCloseTo(adapted, org.assertj.core.api.Assertions.within(1e-4 * adapted));
  }

  @Test
  void sequenceClassificationTrainsAndEvaluatesOnQwen3() throws Exception {
    Path qwen = Path.of("..", "examples", "llama", "tiny-qwen3");
    Path out = dir.resolve("seq-cls");
    Run t = Run.of("train", "--model", qwen.toString(), "--data", data.toString(), "--task", "seq-cls",
        "--target-modules", "q_proj,v_proj", "--out", out.toString(), "--epochs", "1", "--batch-size", "4",
        "--max-length", "32", "--threads", "1", "--output", "json");
    assertThat(t.code()).as(t.err()).isZero();
    PeftAdapter adapter = PeftAdapter.read(out);
    assertThat(adapter.lora()).hasSize(4).containsKey("model.layers.1.self_attn.v_proj");
    assertThat(adapter.savedModules()).containsOnlyKeys("score.weight", "score.bias");
    Run e = Run.of("eval", "--model", qwen.toString(), "--adapter", out.toString(), "--data", data.toString(),
        "--max-length", "32", "--threads", "1", "--output", "json");
    assertThat(e.code()).as(e.err()).isZero();
    JsonNode m = JSON.readTree(e.out());
    assertThat(m.get("records").asInt()).isEqualTo(8);
    assertThat(m.get("accuracy").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void modelHashCoversTheWeightsAndTokenizerJson() throws Exception {
    Path copy = copyOf("hashed");
    Run a = Run.of("model", "hash", LLAMA.toString());
    Run b = Run.of("model", "hash", copy.toString());
    assertThat(a.code()).as(a.err()).isZero();
    assertThat(b.out()).isEqualTo(a.out());
    Files.writeString(copy.resolve("tokenizer.json"), Files.readString(copy.resolve("tokenizer.json")) + " ");
    Run c = Run.of("model", "hash", copy.toString());
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out()).as("a changed tokenizer.json changes the hash").isNotEqualTo(a.out());
  }

  private static Path copyOf(String name) throws Exception {
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
      Files.copy(LLAMA.resolve(f), d.resolve(f));
    }
    return d;
  }

  private static Run evalOn(Path model) {
    return Run.of("eval", "--model", model.toString(), "--data", data.toString(), "--task", "causal-lm",
        "--max-length", "16", "--threads", "1");
  }

  private static void assertOneLineError(Run r, String... parts) {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err().trim().lines().count()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains(parts);
  }

  @Test
  void brokenFoldersGetOneClearLine() throws Exception {
    Path unknownType = copyOf("unknown-type");
    Files.writeString(unknownType.resolve("config.json"),
        Files.readString(unknownType.resolve("config.json")).replace("\"llama\"", "\"falcon\""));
    assertOneLineError(evalOn(unknownType), "config.json", "model_type", "falcon");

    Path rope = copyOf("unknown-rope");
    Files.writeString(rope.resolve("config.json"),
        Files.readString(rope.resolve("config.json")).replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""));
    assertOneLineError(evalOn(rope), "config.json", "rope_scaling", "yarn");

    Path act = copyOf("gelu");
    Files.writeString(act.resolve("config.json"),
        Files.readString(act.resolve("config.json")).replace("\"silu\"", "\"gelu\""));
    assertOneLineError(evalOn(act), "config.json", "hidden_act", "gelu");

    Path truncated = copyOf("truncated");
    try (RandomAccessFile f = new RandomAccessFile(truncated.resolve("model.safetensors").toFile(), "rw")) {
      f.setLength(f.length() - 1000);
    }
    assertOneLineError(evalOn(truncated), "model.safetensors", "truncated");

    Path tokenizer = copyOf("tokenizer-type");
    Files.writeString(tokenizer.resolve("tokenizer.json"), Files.readString(tokenizer.resolve("tokenizer.json"))
        .replaceFirst("(\"model\"\\s*:\\s*\\{\\s*\"type\"\\s*:\\s*)\"BPE\"", "$1\"SentencePieceBPE\""));
    assertThat(Files.readString(tokenizer.resolve("tokenizer.json"))).contains("SentencePieceBPE");
    assertOneLineError(evalOn(tokenizer), "tokenizer.json", "model.type", "SentencePieceBPE", "supported: BPE");

    Path sharded = dir.resolve("sharded");
    Files.createDirectories(sharded);
    Files.copy(LLAMA.resolve("config.json"), sharded.resolve("config.json"));
    Files.copy(LLAMA.resolve("tokenizer.json"), sharded.resolve("tokenizer.json"));
    Files.writeString(sharded.resolve("model.safetensors.index.json"), "{\"metadata\": {}, \"weight_map\": {"
        + "\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\","
        + " \"model.norm.weight\": \"model-00002-of-00002.safetensors\"}}");
    Files.copy(LLAMA.resolve("model.safetensors"), sharded.resolve("model-00001-of-00002.safetensors"));
    assertOneLineError(evalOn(sharded), "model-00002-of-00002.safetensors");
  }
}
