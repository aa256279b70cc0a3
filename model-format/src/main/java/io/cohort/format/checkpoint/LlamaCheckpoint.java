package io.cohort.format.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Llama-family Hugging Face model folder ({@link LlamaConfig}): {@code config.json} plus
 * {@code model.safetensors} or a sharded {@code model.safetensors.index.json}. Tensors keep the
 * names {@code save_pretrained} writes ({@code model.embed_tokens.weight},
 * {@code model.layers.0.self_attn.q_proj.weight} [out, in], ...); F32, F16 and BF16 are widened to
 * float32 at load. Every expected tensor's presence and shape is checked against the config from
 * the headers alone, before any weights are read. The weights are not read at load: {@link #tensors}
 * reads each tensor from its file when asked for ({@link StreamedTensors}), so building a model
 * holds one widened tensor at a time on the heap, not a float32 copy of the whole checkpoint beside
 * the model's own (a 1 B model is 5 GB in float32). A tied {@code lm_head.weight} and the
 * {@code rotary_emb.inv_freq} buffers of older checkpoints are skipped unread; a classification
 * head ({@code score.weight}) goes to {@code extras}; any other tensor is an error.
 */
public record LlamaCheckpoint(Path dir, LlamaConfig config, Map<String, CheckpointTensor> tensors, Map<String, CheckpointTensor> extras) {
  public static final String LM_HEAD = "lm_head.weight";
  private static final Pattern SKIPPED = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");
  private static final Pattern HEAD = Pattern.compile("score\\.(weight|bias)");

  /** Every tensor a checkpoint of this config must hold, name → shape, in model order. */
  public static Map<String, int[]> expectedShapes(LlamaConfig c) {
    int d = c.hiddenSize();
    int q = c.numHeads() * c.headDim();
    int kv = c.numKvHeads() * c.headDim();
    int in = c.intermediateSize();
    Map<String, int[]> m = new LinkedHashMap<>();
    m.put("model.embed_tokens.weight", new int[] {c.vocabSize(), d});
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      m.put(p + "input_layernorm.weight", new int[] {d});
      m.put(p + "self_attn.q_proj.weight", new int[] {q, d});
      m.put(p + "self_attn.k_proj.weight", new int[] {kv, d});
      m.put(p + "self_attn.v_proj.weight", new int[] {kv, d});
      if (c.qkvBias()) {
        m.put(p + "self_attn.q_proj.bias", new int[] {q});
        m.put(p + "self_attn.k_proj.bias", new int[] {kv});
        m.put(p + "self_attn.v_proj.bias", new int[] {kv});
      }
      m.put(p + "self_attn.o_proj.weight", new int[] {d, q});
      if (c.oBias()) {
        m.put(p + "self_attn.o_proj.bias", new int[] {d});
      }
      if (c.qkNorm()) {
        m.put(p + "self_attn.q_norm.weight", new int[] {c.headDim()});
        m.put(p + "self_attn.k_norm.weight", new int[] {c.headDim()});
      }
      m.put(p + "post_attention_layernorm.weight", new int[] {d});
      m.put(p + "mlp.gate_proj.weight", new int[] {in, d});
      m.put(p + "mlp.up_proj.weight", new int[] {in, d});
      m.put(p + "mlp.down_proj.weight", new int[] {d, in});
    }
    m.put("model.norm.weight", new int[] {d});
    if (!c.tieWordEmbeddings()) {
      m.put(LM_HEAD, new int[] {c.vocabSize(), d});
    }
    return m;
  }

  /** Loads and validates a model folder; see the class comment for the rules. */
  public static LlamaCheckpoint load(Path dir) throws CheckpointException {
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(dir, "not a folder; --model expects a Hugging Face model folder"
          + " (config.json + model.safetensors)");
    }
    Path configFile = dir.resolve(LlamaConfig.FILE_NAME);
    LlamaConfig config = LlamaConfig.read(configFile);
    List<Path> files = Checkpoint.weightFiles(dir);
    Map<Path, Safetensors.Header> headers = new LinkedHashMap<>();
    for (Path f : files) {
      if (!Files.exists(f)) {
        throw new CheckpointException(f, "missing shard (named in " + ShardIndex.FILE_NAME + ")");
      }
      headers.put(f, Safetensors.header(f));
    }
    if (Files.exists(dir.resolve(ShardIndex.FILE_NAME)) && !Files.exists(dir.resolve(Checkpoint.WEIGHTS_FILE))) {
      ShardIndex.read(dir.resolve(ShardIndex.FILE_NAME)).checkAgainst(headers);
    }
    Map<String, int[]> expected = expectedShapes(config);
    Map<Path, List<String>> wanted = new LinkedHashMap<>();
    Map<String, Path> foundIn = new LinkedHashMap<>();
    for (Safetensors.Header h : headers.values()) {
      for (Safetensors.Entry entry : h.entries().values()) {
        String name = entry.name();
        if (SKIPPED.matcher(name).matches() || (name.equals(LM_HEAD) && config.tieWordEmbeddings())) {
          continue;
        }
        if (!expected.containsKey(name) && !HEAD.matcher(name).matches()) {
          throw new CheckpointException(h.file(), "unexpected tensor '" + name + "' for " + configFile + " ("
              + config.describe() + ")");
        }
        Path previous = foundIn.put(name, h.file());
        if (previous != null) {
          throw new CheckpointException(h.file(), "tensor '" + name + "' is stored twice (also in " + previous + ")");
        }
        int[] shape = expected.get(name);
        if (shape != null && !Arrays.equals(shape, entry.shape())) {
          throw new CheckpointException(h.file(), "tensor '" + name + "' has shape " + Arrays.toString(entry.shape())
              + " but " + configFile + " (" + config.describe() + ") expects " + Arrays.toString(shape));
        }
        wanted.computeIfAbsent(h.file(), f -> new ArrayList<>()).add(name);
      }
    }
    List<String> missing = new ArrayList<>();
    for (String name : expected.keySet()) {
      if (!foundIn.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      Path where = files.size() == 1 ? files.get(0) : dir.resolve(ShardIndex.FILE_NAME);
      throw new CheckpointException(where, "missing " + missing.size() + " tensor(s) that " + configFile + " ("
          + config.describe() + ") requires, first " + missing.get(0) + " with shape "
          + Arrays.toString(expected.get(missing.get(0))));
    }
    Map<String, Safetensors.Entry> model = new LinkedHashMap<>();
    Map<String, Safetensors.Entry> extras = new LinkedHashMap<>();
    Map<String, Path> fileOf = new LinkedHashMap<>();
    for (Map.Entry<Path, List<String>> w : wanted.entrySet()) {
      for (String name : w.getValue()) {
        fileOf.put(name, w.getKey());
        (expected.containsKey(name) ? model : extras).put(name, headers.get(w.getKey()).entries().get(name));
      }
    }
    Map<String, Safetensors.Entry> ordered = new LinkedHashMap<>();
    for (String name : expected.keySet()) {
      ordered.put(name, model.get(name));
    }
    return new LlamaCheckpoint(dir, config, new StreamedTensors(ordered, fileOf), new StreamedTensors(extras, fileOf));
  }
}
