package io.cohort.format.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code config.json} of a Llama-family decoder ({@code LlamaForCausalLM},
 * {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM}): pre-norm blocks
 * with RMSNorm, rotary positions, grouped-query attention and a SwiGLU MLP. Every field that
 * changes the maths is read; a value the engine does not implement is refused naming the file,
 * the field and the value. Missing fields take the defaults of the matching transformers config
 * class.
 *
 * @param qkvBias q/k/v projections carry a bias (Qwen2 always; others when {@code attention_bias})
 * @param oBias the output projection carries a bias ({@code attention_bias} on Llama/Qwen3)
 * @param qkNorm per-head RMSNorm of q and k before RoPE (Qwen3)
 * @param ropeScaling null for plain RoPE
 * @param slidingWindow attention window (Mistral), 0 for none; longer sequences are refused
 */
public record LlamaConfig(String modelType, List<String> architectures, int vocabSize, int hiddenSize,
    int intermediateSize, int numLayers, int numHeads, int numKvHeads, int headDim, double rmsNormEps,
    double ropeTheta, RopeScaling ropeScaling, boolean qkvBias, boolean oBias, boolean qkNorm,
    boolean tieWordEmbeddings, int maxPositions, int slidingWindow, int bosTokenId, int eosTokenId) {

  public static final String FILE_NAME = "config.json";
  /** model_type → the architecture class transformers uses for it. */
  public static final Map<String, String> MODEL_TYPES = Map.of("llama", "LlamaForCausalLM",
      "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM", "qwen3", "Qwen3ForCausalLM");
  private static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM",
      "Qwen2ForCausalLM", "Qwen3ForCausalLM", "LlamaModel", "MistralModel", "Qwen2Model", "Qwen3Model");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code rope_scaling} of type {@code llama3} (Llama 3.1/3.2). */
  public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
      int originalMaxPositions) {
  }

  public LlamaConfig {
    architectures = List.copyOf(architectures);
  }

  /** True when {@code config.json} in {@code dir} names one of the Llama-family model types. */
  public static boolean isLlamaFamily(Path dir) {
    try {
      JsonNode root = JSON.readTree(Files.readString(dir.resolve(FILE_NAME)));
      return root != null && MODEL_TYPES.containsKey(root.path("model_type").asText(""));
    } catch (IOException e) {
      return false;
    }
  }

  public static LlamaConfig read(Path file) throws CheckpointException {
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

  static LlamaConfig parse(Path file, JsonNode root) throws CheckpointException {
    String type = root.path("model_type").asText(null);
    if (type == null || !MODEL_TYPES.containsKey(type)) {
      throw new CheckpointException(file, "model_type \"" + type + "\" is not a Llama-family model; supported: "
          + new java.util.TreeSet<>(MODEL_TYPES.keySet()));
    }
    List<String> architectures = new ArrayList<>();
    JsonNode arch = root.get("architectures");
    if (arch != null && !arch.isNull()) {
      if (!arch.isArray()) {
        throw new CheckpointException(file, "'architectures' must be a list of class names");
      }
      arch.forEach(a -> architectures.add(a.asText()));
      if (architectures.stream().noneMatch(ARCHITECTURES::contains)) {
        throw new CheckpointException(file, "architectures " + architectures + " are not supported for model_type \""
            + type + "\"; supported: " + MODEL_TYPES.get(type));
      }
    }
    String act = root.path("hidden_act").asText("silu");
    if (!act.equals("silu")) {
      throw new CheckpointException(file, "hidden_act \"" + act + "\" is not supported; supported: silu");
    }
    if (root.path("mlp_bias").asBoolean(false)) {
      throw new CheckpointException(file, "mlp_bias true is not supported (only bias-free MLPs)");
    }
    int hidden = positive(file, root, "hidden_size", 4096);
    int heads = positive(file, root, "num_attention_heads", 32);
    int kvHeads = root.hasNonNull("num_key_value_heads") ? positive(file, root, "num_key_value_heads", heads) : heads;
    if (heads % kvHeads != 0) {
      throw new CheckpointException(file, "num_attention_heads " + heads + " is not a multiple of num_key_value_heads "
          + kvHeads);
    }
    int headDim;
    if (root.hasNonNull("head_dim")) {
      headDim = positive(file, root, "head_dim", 0);
    } else {
      if (hidden % heads != 0) {
        throw new CheckpointException(file, "hidden_size " + hidden + " is not a multiple of num_attention_heads "
            + heads + " and no head_dim is given");
      }
      headDim = hidden / heads;
    }
    if (headDim % 2 != 0) {
      throw new CheckpointException(file, "head_dim " + headDim + " is odd; rotary embeddings need an even head_dim");
    }
    RopeScaling scaling = ropeScaling(file, root.get("rope_scaling"));
    if (root.hasNonNull("partial_rotary_factor") && root.get("partial_rotary_factor").asDouble() != 1.0) {
      throw new CheckpointException(file, "partial_rotary_factor " + root.get("partial_rotary_factor")
          + " is not supported; supported: 1.0");
    }
    boolean attentionBias = root.path("attention_bias").asBoolean(false);
    boolean qkvBias = type.equals("qwen2") || attentionBias;
    boolean oBias = !type.equals("qwen2") && attentionBias;
    int window = 0;
    boolean windowUsed = type.equals("mistral") || root.path("use_sliding_window").asBoolean(false);
    if (windowUsed && root.hasNonNull("sliding_window")) {
      window = positive(file, root, "sliding_window", 0);
    }
    return new LlamaConfig(type, architectures, positive(file, root, "vocab_size", 32000), hidden,
        positive(file, root, "intermediate_size", 11008), positive(file, root, "num_hidden_layers", 32), heads, kvHeads,
        headDim, number(file, root, "rms_norm_eps", 1e-6), number(file, root, "rope_theta", 10000.0), scaling,
        qkvBias, oBias, type.equals("qwen3"), root.path("tie_word_embeddings").asBoolean(false),
        positive(file, root, "max_position_embeddings", 2048), window, integer(file, root, "bos_token_id", -1),
        integer(file, root, "eos_token_id", -1));
  }

  private static RopeScaling ropeScaling(Path file, JsonNode n) throws CheckpointException {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new CheckpointException(file, "rope_scaling must be an object or null, got " + n);
    }
    String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText(null);
    if ("default".equals(type)) {
      return null;
    }
    if (!"llama3".equals(type)) {
      throw new CheckpointException(file, "rope_scaling type \"" + type + "\" is not supported; supported: llama3,"
          + " default");
    }
    for (String f : List.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")) {
      if (!n.hasNonNull(f) || !n.get(f).isNumber()) {
        throw new CheckpointException(file, "rope_scaling of type llama3 lacks the number '" + f + "'");
      }
    }
    double lo = n.get("low_freq_factor").asDouble();
    double hi = n.get("high_freq_factor").asDouble();
    if (!(hi > lo)) {
      throw new CheckpointException(file, "rope_scaling high_freq_factor " + hi + " must exceed low_freq_factor " + lo);
    }
    return new RopeScaling(type, n.get("factor").asDouble(), lo, hi, n.get("original_max_position_embeddings").asInt());
  }

  private static int integer(Path file, JsonNode root, String field, int dflt) throws CheckpointException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (n.isArray() && n.size() > 0 && n.get(0).canConvertToInt()) {
      return n.get(0).asInt(); // eos_token_id may be a list; the first is the end-of-text token
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new CheckpointException(file, "'" + field + "' must be an integer, got " + n);
    }
    return n.asInt();
  }

  private static int positive(Path file, JsonNode root, String field, int dflt) throws CheckpointException {
    int v = integer(file, root, field, dflt);
    if (v <= 0) {
      throw new CheckpointException(file, "'" + field + "' must be a positive integer, got " + v);
    }
    return v;
  }

  private static double number(Path file, JsonNode root, String field, double dflt) throws CheckpointException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber() || !(n.asDouble() > 0)) {
      throw new CheckpointException(file, "'" + field + "' must be a positive number, got " + n);
    }
    return n.asDouble();
  }

  /** One line describing the shape, for error messages. */
  public String describe() {
    return modelType + ": " + numLayers + " layers, hidden " + hiddenSize + ", " + numHeads + " heads / "
        + numKvHeads + " kv heads of " + headDim + ", intermediate " + intermediateSize + ", vocab " + vocabSize;
  }
}
