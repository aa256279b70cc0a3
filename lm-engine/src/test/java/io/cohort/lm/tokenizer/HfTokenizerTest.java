package io.cohort.lm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** tokenizer.json through Hugging Face's tokenizers (DJL) gives Hugging Face's ids on every fixture text. */
class HfTokenizerTest {
  @ParameterizedTest
  @CsvSource({"tiny-llama3, llama3", "tiny-qwen3, qwen3", "tiny-mistral, sentencepiece-32k"})
  void idsEqualHuggingFaceOnEveryFixtureText(String model, String fixture) throws Exception {
    Path fixtures = Path.of("src", "test", "resources", "lm", "hf-tokenizers", fixture + ".jsonl");
    ObjectMapper json = new ObjectMapper();
    List<String> lines = Files.readAllLines(fixtures);
    assertThat(lines).hasSizeGreaterThanOrEqualTo(25);
    try (HfTokenizer tok = HfTokenizer.fromDirectory(Path.of("..", "examples", "llama", model), 0)) {
      int n = 0;
      for (String line : lines) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode rec = json.readTree(line);
        String text = rec.get("text").asText();
        assertThat(tok.encode(text)).as("%s: ids of %s", fixture, rec.get("text"))
            .containsExactly(ints(rec.get("ids")));
        assertThat(tok.encodeWithoutSpecialTokens(text)).as("%s: ids without special tokens of %s", fixture,
            rec.get("text")).containsExactly(ints(rec.get("ids_without_special_tokens")));
        n++;
      }
      assertThat(n).isGreaterThanOrEqualTo(25);
    }
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }
}
