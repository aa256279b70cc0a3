package io.cohort.lm.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} of GPT-2's kind: a {@code BPE} model with
 * {@code vocab} and {@code merges}, a {@code ByteLevel} pre-tokenizer with GPT-2's regex, and no
 * normalizer. Anything else is refused with a message naming the part, rather than tokenizing
 * differently from the reference.
 */
final class TokenizerJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerJson() {}

  static Gpt2Tokenizer read(Path file) throws CheckpointException {
    JsonNode root = readJson(file);
    JsonNode model = root.path("model");
    if (!model.path("type").asText("BPE").equals("BPE") || !model.path("vocab").isObject()) {
      throw new CheckpointException(file, "model must be a BPE model with a vocab (got type "
          + model.path("type") + "); only GPT-2 byte-level BPE is supported");
    }
    for (String option : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
      if (model.hasNonNull(option) && !model.get(option).asText().isEmpty()) {
        throw new CheckpointException(file, "BPE option '" + option + "' is not supported by GPT-2 tokenization");
      }
    }
    if (model.path("byte_fallback").asBoolean(false)) {
      throw new CheckpointException(file, "BPE byte_fallback is not supported by GPT-2 tokenization");
    }
    if (root.hasNonNull("normalizer")) {
      throw new CheckpointException(file, "normalizer " + root.get("normalizer").path("type")
          + " is not supported; GPT-2 tokenization has none");
    }
    JsonNode pre = root.path("pre_tokenizer");
    if (!pre.path("type").asText().equals("ByteLevel")) {
      throw new CheckpointException(file, "pre_tokenizer must be ByteLevel (GPT-2's), got " + pre.path("type"));
    }
    if (!pre.path("use_regex").asBoolean(true)) {
      throw new CheckpointException(file, "ByteLevel pre_tokenizer with use_regex false is not supported");
    }
    Map<String, Integer> vocab = vocab(file, model.get("vocab"));
    List<String[]> merges = merges(file, model.path("merges"));
    Map<String, Integer> added = new HashMap<>();
    for (JsonNode t : root.path("added_tokens")) {
      if (t.path("content").isTextual() && t.path("id").canConvertToInt()) {
        added.put(t.get("content").textValue(), t.get("id").intValue());
      }
    }
    return new Gpt2Tokenizer(vocab, merges, added, pre.path("add_prefix_space").asBoolean(false));
  }

  static Map<String, Integer> readVocab(Path file) throws CheckpointException {
    return vocab(file, readJson(file));
  }

  private static JsonNode readJson(Path file) throws CheckpointException {
    try {
      JsonNode root = JSON.readTree(Files.readString(file));
      if (root == null || !root.isObject()) {
        throw new CheckpointException(file, "must be a JSON object");
      }
      return root;
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "no such file", e);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static Map<String, Integer> vocab(Path file, JsonNode node) throws CheckpointException {
    Map<String, Integer> vocab = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0 || id.intValue() > 10_000_000) {
        throw new CheckpointException(file, "vocabulary entry '" + e.getKey() + "' must map to a token id in"
            + " [0, 10000000], got " + id);
      }
      vocab.put(e.getKey(), id.intValue());
    }
    if (vocab.isEmpty()) {
      throw new CheckpointException(file, "the vocabulary is empty");
    }
    return vocab;
  }

  private static List<String[]> merges(Path file, JsonNode node) throws CheckpointException {
    List<String[]> merges = new ArrayList<>();
    int i = 0;
    for (JsonNode m : node) {
      String[] pair = null;
      if (m.isTextual()) {
        pair = m.textValue().split(" ", -1);
      } else if (m.isArray() && m.size() == 2) {
        pair = new String[] {m.get(0).asText(), m.get(1).asText()};
      }
      if (pair == null || pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
        throw new CheckpointException(file, "model.merges[" + i + "] must be \"a b\" or [\"a\", \"b\"], got " + m);
      }
      merges.add(pair);
      i++;
    }
    return merges;
  }
}
