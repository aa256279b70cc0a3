package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-node generate}, in-process, on the shipped tiny GPT-2. */
class GenerateCommandTest {
  private static final String MODEL = "../examples/text/tiny-gpt2-reuters";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(Run r) throws Exception {
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void greedyIsDeterministicAndTheKvCacheChangesNothing() throws Exception {
    JsonNode a = json(Run.of("generate", "--model", MODEL, "--prompt", "Which commodity is this story about?",
        "--max-new-tokens", "24", "--output", "json"));
    JsonNode b = json(Run.of("generate", "--model", MODEL, "--prompt", "Which commodity is this story about?",
        "--max-new-tokens", "24", "--output", "json", "--no-kv-cache"));
    assertThat(a.get("tokens")).isEqualTo(b.get("tokens"));
    assertThat(a.get("sampling").asText()).isEqualTo("greedy");
    assertThat(a.get("prompt_tokens").asInt()).isGreaterThan(5);
    assertThat(a.get("stop").asText()).isIn("eos", "max_new_tokens");
  }

  @Test
  void seededSamplingReproduces() throws Exception {
    String[] args = {"generate", "--model", MODEL, "--prompt", "Wheat exports rose", "--raw", "--max-new-tokens", "24",
        "--temperature", "0.9", "--top-k", "40", "--top-p", "0.9", "--seed", "7", "--output", "json"};
    JsonNode a = json(Run.of(args));
    JsonNode b = json(Run.of(args));
    assertThat(a.get("tokens")).as("seed 7").isEqualTo(b.get("tokens"));
    assertThat(a.get("seed").asLong()).isEqualTo(7);
  }

  @Test
  void textOutputStreamsTheGeneratedTextAndReportsOnStandardError(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("prompt.json");
    Files.writeString(m, "{\"messages\": [{\"role\": \"system\", \"content\": \"Answer in one word.\"},"
        + " {\"role\": \"user\", \"content\": \"Which commodity?\"}]}");
    Run r = Run.of("generate", "--model", MODEL, "--messages", m.toString(), "--max-new-tokens", "12");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = json(Run.of("generate", "--model", MODEL, "--messages", m.toString(), "--max-new-tokens", "12",
        "--output", "json"));
    assertThat(r.out()).isEqualTo(j.get("text").asText() + System.lineSeparator());
    assertThat(r.err()).contains("generated, stop: ").contains("tokens/s");
  }

  @Test
  void badInputIsOneLine(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("prompt.json");
    Files.writeString(m, "{\"messages\": [{\"role\": \"narrator\", \"content\": \"x\"}]}");
    Run bad = Run.of("generate", "--model", MODEL, "--messages", m.toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err().strip()).startsWith("cohort-node generate: " + m + ": messages[0].role is not one of")
        .doesNotContain("\n").doesNotContain("Exception");
    Run badT = Run.of("generate", "--model", MODEL, "--prompt", "x", "--temperature", "-1");
    assertThat(badT.code()).isEqualTo(2);
    assertThat(badT.err().strip()).isEqualTo("cohort-node generate: temperature must be >= 0 (0: greedy), got -1.0");
    Run both = Run.of("generate", "--model", MODEL, "--prompt", "x", "--messages", m.toString());
    assertThat(both.code()).isEqualTo(2);
  }

  /**
   * The Llama family: the prompt rendered with the folder's own chat template (Qwen3's
   * {@code <|im_start|>assistant}), greedy and reproducible, the KV cache changing nothing.
   */
  @Test
  void llamaFamilyGeneratesWithItsOwnTemplate() throws Exception {
    String qwen = "../examples/llama/tiny-qwen3";
    JsonNode a = json(Run.of("generate", "--model", qwen, "--prompt", "Which grain?", "--max-new-tokens", "12",
        "--output", "json"));
    JsonNode b = json(Run.of("generate", "--model", qwen, "--prompt", "Which grain?", "--max-new-tokens", "12",
        "--output", "json", "--no-kv-cache"));
    assertThat(a.get("tokens")).isEqualTo(b.get("tokens"));
    // <|im_start|> user \n Which ␣grain ? <|im_end|> \n <|im_start|> assistant \n: 11 ids
    assertThat(a.get("prompt_tokens").asInt()).isEqualTo(11);
    assertThat(a.get("stop").asText()).isIn("eos", "end_of_turn", "max_new_tokens");
  }
}
