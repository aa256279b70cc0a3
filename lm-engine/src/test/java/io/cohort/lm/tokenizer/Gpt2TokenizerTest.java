package io.cohort.lm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.format.checkpoint.CheckpointException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Reference ids from OpenAI-compatible {@code gpt-3-encoder} (see test resources lm/README.md). */
class Gpt2TokenizerTest {
  static final Path MODEL = Path.of("../examples/text/tiny-gpt2-reuters");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Gpt2Tokenizer tokenizer;

  record Case(int line, String text, int[] ids) {
    @Override
    public String toString() {
      return "line " + line + ": " + text.replace("\n", "\\n").replace("\r", "\\r");
    }
  }

  @BeforeAll
  static void load() throws Exception {
    tokenizer = Gpt2Tokenizer.fromVocabAndMerges(MODEL.resolve("vocab.json"), MODEL.resolve("merges.txt"));
  }

  static Stream<Case> fixture() throws Exception {
    List<Case> cases = new ArrayList<>();
    try (InputStream in = Gpt2TokenizerTest.class.getResourceAsStream("/lm/gpt2-token-ids.jsonl");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        JsonNode o = JSON.readTree(line);
        int[] ids = new int[o.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = o.get("ids").get(i).intValue();
        }
        cases.add(new Case(n, o.get("text").textValue(), ids));
      }
    }
    assertThat(cases).hasSize(25);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixture")
  void reproducesReferenceIdsAndDecodesBack(Case c) {
    assertThat(tokenizer.encode(c.text())).containsExactly(c.ids());
    assertThat(tokenizer.encode(c.text())).as("cached result").containsExactly(c.ids());
    assertThat(tokenizer.decode(c.ids())).isEqualTo(c.text());
  }

  @Test
  void eosAndVocabularySize() {
    assertThat(tokenizer.eosId()).isEqualTo(50256);
    assertThat(tokenizer.vocabSize()).isEqualTo(50257);
    assertThat(tokenizer.decode(new int[] {50256})).isEqualTo("<|endoftext|>");
    // special tokens in text are plain text, as in OpenAI's encoder: no forged end-of-text
    assertThat(tokenizer.encode("<|endoftext|>")).doesNotContain(50256);
  }

  @Test
  void unicodeWhitespaceIsWhitespace() {
    // U+00A0 and U+3000 are Unicode White_Space: the regex must treat them like spaces
    assertThat(tokenizer.decode(tokenizer.encode("a\u00a0\u00a0b\u3000c"))).isEqualTo("a\u00a0\u00a0b\u3000c");
    // with ASCII-only \s the two no-break spaces would be one punctuation piece "\u00a0\u00a0"
    assertThat(PreTokenizer.split("a\u00a0\u00a0b")).containsExactly("a", "\u00a0", "\u00a0", "b");
    assertThat(PreTokenizer.split("x   y")).containsExactly("x", "  ", " y");
    // the same splits as Python's regex module (HF's reference) gives: U+0085 is White_Space,
    // U+001C and U+FEFF are not
    assertThat(PreTokenizer.split("a\u001c\u001cb")).containsExactly("a", "\u001c\u001c", "b");
    assertThat(PreTokenizer.split("!\u0085\u0085 x")).containsExactly("!", "\u0085\u0085", " x");
    assertThat(PreTokenizer.split("a\u0085b\ufeffc")).containsExactly("a", "\u0085", "b", "\ufeff", "c");
  }

  @Test
  void decodeRejectsUnknownIds() {
    assertThatThrownBy(() -> tokenizer.decode(new int[] {50257})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("50257");
    assertThatThrownBy(() -> tokenizer.decode(new int[] {-1})).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tokenizerJsonGivesTheSameIds(@TempDir Path dir) throws Exception {
    Path file = writeTokenizerJson(dir, false, true);
    Gpt2Tokenizer fromJson = Gpt2Tokenizer.fromDirectory(dir);
    fixture().forEach(c -> assertThat(fromJson.encode(c.text())).as(c.toString()).containsExactly(c.ids()));
    assertThat(fromJson.eosId()).isEqualTo(50256);
    assertThat(file).exists();

    // merges as ["a", "b"] pairs, as newer tokenizers versions write them
    writeTokenizerJson(dir, false, false);
    Gpt2Tokenizer pairs = Gpt2Tokenizer.fromDirectory(dir);
    fixture().forEach(c -> assertThat(pairs.encode(c.text())).as(c.toString()).containsExactly(c.ids()));
  }

  @Test
  void tokenizerJsonAddPrefixSpace(@TempDir Path dir) throws Exception {
    writeTokenizerJson(dir, true, true);
    Gpt2Tokenizer t = Gpt2Tokenizer.fromDirectory(dir);
    assertThat(t.encode("world")).containsExactly(tokenizer.encode(" world"));
    assertThat(t.encode(" world")).containsExactly(tokenizer.encode(" world"));
  }

  @Test
  void fromDirectoryFallsBackToVocabAndMerges(@TempDir Path dir) throws Exception {
    assertThat(Gpt2Tokenizer.fromDirectory(MODEL).encode("Hello world")).containsExactly(15496, 995);
    assertThatThrownBy(() -> Gpt2Tokenizer.fromDirectory(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tokenizer.json, or vocab.json and merges.txt");
  }

  @Test
  void badTokenizerFilesNameFileAndProblem(@TempDir Path dir) throws Exception {
    Path vocab = dir.resolve("vocab.json");
    Path merges = dir.resolve("merges.txt");
    Files.writeString(vocab, "{\"a\": 0, \"b\": 1, \"ab\": 2}");
    Files.writeString(merges, "#version: 0.2\na b\nab\n");
    assertThatThrownBy(() -> Gpt2Tokenizer.fromVocabAndMerges(vocab, merges)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(merges.toString()).hasMessageContaining("line 3");
    Files.writeString(vocab, "{\"a\": \"zero\"}");
    assertThatThrownBy(() -> Gpt2Tokenizer.fromVocabAndMerges(vocab, merges)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(vocab.toString()).hasMessageContaining("'a'");
    Files.writeString(vocab, "{\"a\": 0,");
    assertThatThrownBy(() -> Gpt2Tokenizer.fromVocabAndMerges(vocab, merges)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("not valid JSON");

    Path json = dir.resolve("tokenizer.json");
    Files.writeString(json, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"a\":0}},\"pre_tokenizer\":null}");
    assertThatThrownBy(() -> Gpt2Tokenizer.fromDirectory(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(json.toString()).hasMessageContaining("BPE");
    Files.writeString(json, "{\"normalizer\":{\"type\":\"NFC\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},"
        + "\"merges\":[]},\"pre_tokenizer\":{\"type\":\"ByteLevel\"}}");
    assertThatThrownBy(() -> Gpt2Tokenizer.fromDirectory(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("normalizer \"NFC\"");
    Files.writeString(json, "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},"
        + "\"pre_tokenizer\":{\"type\":\"Metaspace\"}}");
    assertThatThrownBy(() -> Gpt2Tokenizer.fromDirectory(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("pre_tokenizer must be ByteLevel");
  }

  /** A GPT-2 tokenizer.json built from the vocab.json/merges.txt pair, as HF's converter writes it. */
  static Path writeTokenizerJson(Path dir, boolean addPrefixSpace, boolean mergesAsStrings) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    added.addObject().put("id", 50256).put("content", "<|endoftext|>").put("single_word", false)
        .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", true);
    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
        .put("trim_offsets", true).put("use_regex", true);
    root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true)
        .put("trim_offsets", false).put("use_regex", true);
    root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
        .put("trim_offsets", true).put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false);
    model.set("vocab", JSON.readTree(MODEL.resolve("vocab.json").toFile()));
    ArrayNode merges = model.putArray("merges");
    for (String line : Files.readAllLines(MODEL.resolve("merges.txt"), StandardCharsets.UTF_8)) {
      if (line.startsWith("#version") || line.isEmpty()) {
        continue;
      }
      if (mergesAsStrings) {
        merges.add(line);
      } else {
        String[] p = line.split(" ");
        merges.addArray().add(p[0]).add(p[1]);
      }
    }
    Path file = dir.resolve("tokenizer.json");
    JSON.writeValue(file.toFile(), root);
    return file;
  }
}
