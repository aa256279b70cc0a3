package io.cohort.format.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A GPT-2 family {@code config.json} as Hugging Face {@code GPT2Config} writes it. Fields absent
 * from the file take Hugging Face's defaults (GPT-2 small); {@code n_inner} null means
 * 4·{@code n_embd}.
 *
 * @param modelType {@code model_type}, "gpt2"
 * @param architectures {@code architectures}, e.g. GPT2LMHeadModel (may be empty)
 * @param nInner the MLP width, already resolved from {@code n_inner}
 */
public record Gpt2Config(
    String modelType,
    List<String> architectures,
    int vocabSize,
    int nPositions,
    int nEmbd,
    int nLayer,
    int nHead,
    int nInner,
    String activationFunction,
    double layerNormEpsilon,
    boolean tieWordEmbeddings,
    int bosTokenId,
    int eosTokenId) {

  public static final String FILE_NAME = "config.json";
  public static final String MODEL_TYPE = "gpt2";
  /** Architectures whose body is a plain GPT-2 transformer that this engine builds. */
  public static final Set<String> SUPPORTED_ARCHITECTURES =
      Set.of("GPT2LMHeadModel", "GPT2Model", "GPT2ForSequenceClassification");

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Gpt2Config {
    architectures = List.copyOf(architectures);
    requirePositive("vocab_size", vocabSize);
    requirePositive("n_positions", nPositions);
    requirePositive("n_embd", nEmbd);
    requirePositive("n_layer", nLayer);
    requirePositive("n_head", nHead);
    requirePositive("n_inner", nInner);
    if (nEmbd % nHead != 0) {
      throw new IllegalArgumentException("n_embd (" + nEmbd + ") must be a multiple of n_head (" + nHead + ")");
    }
    if (!(layerNormEpsilon > 0)) {
      throw new IllegalArgumentException("layer_norm_epsilon must be positive, got " + layerNormEpsilon);
    }
  }

  /** A GPT2LMHeadModel config with Hugging Face's defaults for everything but the shape. */
  public static Gpt2Config of(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead) {
    return new Gpt2Config(MODEL_TYPE, List.of("GPT2LMHeadModel"), vocabSize, nPositions, nEmbd, nLayer, nHead,
        4 * nEmbd, "gelu_new", 1e-5, true, vocabSize - 1, vocabSize - 1);
  }

  public int headDim() {
    return nEmbd / nHead;
  }

  /** Reads {@code config.json}; errors name the file and the field. */
  public static Gpt2Config read(Path file) throws CheckpointException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "no such file; a Hugging Face model folder has a config.json", e);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, "must be a JSON object");
    }
    return parse(file, root);
  }

  static Gpt2Config parse(Path file, JsonNode root) throws CheckpointException {
    String modelType = text(file, root, "model_type", null);
    List<String> architectures = new ArrayList<>();
    JsonNode arch = root.get("architectures");
    if (arch != null && !arch.isNull()) {
      if (!arch.isArray()) {
        throw new CheckpointException(file, "'architectures' must be a list of class names");
      }
      arch.forEach(a -> architectures.add(a.asText()));
    }
    String supported = "model_type \"gpt2\" with architectures " + new java.util.TreeSet<>(SUPPORTED_ARCHITECTURES);
    if (modelType != null && !modelType.equals(MODEL_TYPE)) {
      throw new CheckpointException(file, "model_type \"" + modelType + "\" is not supported; supported: " + supported);
    }
    if (!architectures.isEmpty() && architectures.stream().noneMatch(SUPPORTED_ARCHITECTURES::contains)) {
      throw new CheckpointException(file, "architectures " + architectures + " are not supported; supported: "
          + supported);
    }
    if (modelType == null && architectures.isEmpty()) {
      throw new CheckpointException(file, "names neither model_type nor architectures; supported: " + supported);
    }
    for (String flag : List.of("scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn")) {
      if (root.path(flag).asBoolean(false)) {
        throw new CheckpointException(file, "'" + flag + "': true is not supported (only standard GPT-2 attention)");
      }
    }
    if (root.has("scale_attn_weights") && !root.get("scale_attn_weights").asBoolean(true)) {
      throw new CheckpointException(file, "'scale_attn_weights': false is not supported (only standard GPT-2 attention)");
    }
    int nEmbd = integer(file, root, "n_embd", 768);
    JsonNode inner = root.get("n_inner");
    int nInner = inner == null || inner.isNull() ? 4 * nEmbd : integer(file, root, "n_inner", 0);
    int vocab = integer(file, root, "vocab_size", 50257);
    try {
      return new Gpt2Config(
          modelType == null ? MODEL_TYPE : modelType,
          architectures,
          vocab,
          integer(file, root, "n_positions", 1024),
          nEmbd,
          integer(file, root, "n_layer", 12),
          integer(file, root, "n_head", 12),
          nInner,
          text(file, root, "activation_function", "gelu_new"),
          number(file, root, "layer_norm_epsilon", 1e-5),
          bool(file, root, "tie_word_embeddings", true),
          integer(file, root, "bos_token_id", 50256),
          integer(file, root, "eos_token_id", 50256));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file, e.getMessage());
    }
  }

  /** The config as Hugging Face writes it, for a merged export. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    var arch = o.putArray("architectures");
    (architectures.isEmpty() ? List.of("GPT2LMHeadModel") : architectures).forEach(arch::add);
    o.put("model_type", modelType);
    o.put("vocab_size", vocabSize);
    o.put("n_positions", nPositions);
    o.put("n_ctx", nPositions);
    o.put("n_embd", nEmbd);
    o.put("n_layer", nLayer);
    o.put("n_head", nHead);
    o.put("n_inner", nInner);
    o.put("activation_function", activationFunction);
    o.put("layer_norm_epsilon", layerNormEpsilon);
    o.put("tie_word_embeddings", tieWordEmbeddings);
    o.put("bos_token_id", bosTokenId);
    o.put("eos_token_id", eosTokenId);
    o.put("torch_dtype", "float32");
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, toJson());
  }

  private static void requirePositive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("'" + field + "' must be a positive integer, got " + value);
    }
  }

  private static String text(Path file, JsonNode root, String field, String dflt) throws CheckpointException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw new CheckpointException(file, "'" + field + "' must be a string, got " + n);
    }
    return n.textValue();
  }

  private static int integer(Path file, JsonNode root, String field, int dflt) throws CheckpointException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new CheckpointException(file, "'" + field + "' must be an integer, got " + n);
    }
    return n.intValue();
  }

  private static double number(Path file, JsonNode root, String field, double dflt) throws CheckpointException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber()) {
      throw new CheckpointException(file, "'" + field + "' must be a number, got " + n);
    }
    return n.doubleValue();
  }

  private static boolean bool(Path file, JsonNode root, String field, boolean dflt) throws CheckpointException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw new CheckpointException(file, "'" + field + "' must be true or false, got " + n);
    }
    return n.booleanValue();
  }
}
