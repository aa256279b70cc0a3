package io.cohort.format.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A GPT-2 family Hugging Face model folder: {@code config.json} plus {@code model.safetensors}
 * or a sharded {@code model.safetensors.index.json}.
 *
 * <p>Tensors are returned under canonical bare names ({@code wte.weight}, {@code h.0.ln_1.weight},
 * {@code h.0.attn.c_attn.weight}, ..., {@code ln_f.bias}, and {@code lm_head.weight} only when the
 * output embedding is not tied), with Conv1D weights in Hugging Face's [in, out] layout. Files may
 * use bare names or the {@code transformer.} prefix that {@code GPT2LMHeadModel} writes. Attention
 * mask buffers ({@code attn.bias}, {@code attn.masked_bias}) and a tied {@code lm_head.weight} are
 * skipped unread. Every expected tensor's presence and shape is checked against the config from
 * the headers alone, before any weights are read.
 *
 * @param tensors canonical name → tensor, in {@link #expectedShapes} order
 * @param extras tensors of a classification head ({@code score.weight}, {@code score.bias}), if
 *     the checkpoint has one; empty otherwise
 */
public record Checkpoint(Path dir, Gpt2Config config, Map<String, CheckpointTensor> tensors, Map<String, CheckpointTensor> extras) {
  public static final String WEIGHTS_FILE = "model.safetensors";
  public static final String PREFIX = "transformer.";
  public static final String LM_HEAD = "lm_head.weight";

  private static final Pattern MASK_BUFFER = Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");
  private static final Pattern HEAD = Pattern.compile("score\\.(weight|bias)");

  /** The tensor under its canonical name; fails if there is none. */
  public CheckpointTensor tensor(String canonicalName) {
    CheckpointTensor t = tensors.get(canonicalName);
    if (t == null) {
      throw new IllegalArgumentException("no tensor " + canonicalName + " in " + dir);
    }
    return t;
  }

  /** Every tensor a checkpoint of this config must hold, canonical name → shape, in model order. */
  public static Map<String, int[]> expectedShapes(Gpt2Config c) {
    int e = c.nEmbd();
    Map<String, int[]> m = new LinkedHashMap<>();
    m.put("wte.weight", new int[] {c.vocabSize(), e});
    m.put("wpe.weight", new int[] {c.nPositions(), e});
    for (int i = 0; i < c.nLayer(); i++) {
      String h = "h." + i + ".";
      m.put(h + "ln_1.weight", new int[] {e});
      m.put(h + "ln_1.bias", new int[] {e});
      m.put(h + "attn.c_attn.weight", new int[] {e, 3 * e});
      m.put(h + "attn.c_attn.bias", new int[] {3 * e});
      m.put(h + "attn.c_proj.weight", new int[] {e, e});
      m.put(h + "attn.c_proj.bias", new int[] {e});
      m.put(h + "ln_2.weight", new int[] {e});
      m.put(h + "ln_2.bias", new int[] {e});
      m.put(h + "mlp.c_fc.weight", new int[] {e, c.nInner()});
      m.put(h + "mlp.c_fc.bias", new int[] {c.nInner()});
      m.put(h + "mlp.c_proj.weight", new int[] {c.nInner(), e});
      m.put(h + "mlp.c_proj.bias", new int[] {e});
    }
    m.put("ln_f.weight", new int[] {e});
    m.put("ln_f.bias", new int[] {e});
    if (!c.tieWordEmbeddings()) {
      m.put(LM_HEAD, new int[] {c.vocabSize(), e});
    }
    return m;
  }

  /** Loads and validates a model folder; see the class comment for the rules. */
  public static Checkpoint load(Path dir) throws CheckpointException {
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(dir, "not a folder; --model expects a Hugging Face model folder"
          + " (config.json + model.safetensors)");
    }
    Gpt2Config config = Gpt2Config.read(dir.resolve(Gpt2Config.FILE_NAME));
    List<Path> files = weightFiles(dir);
    Map<Path, Safetensors.Header> headers = new LinkedHashMap<>();
    for (Path f : files) {
      headers.put(f, Safetensors.header(f));
    }
    if (Files.exists(dir.resolve(ShardIndex.FILE_NAME)) && !Files.exists(dir.resolve(WEIGHTS_FILE))) {
      ShardIndex.read(dir.resolve(ShardIndex.FILE_NAME)).checkAgainst(headers);
    }

    Map<String, int[]> expected = expectedShapes(config);
    Map<Path, Map<String, String>> wanted = new LinkedHashMap<>(); // file → stored name → canonical name
    Map<String, String> storedAs = new LinkedHashMap<>(); // canonical → stored name, for duplicate checks
    Map<String, Path> foundIn = new LinkedHashMap<>();
    for (Safetensors.Header h : headers.values()) {
      for (Safetensors.Entry entry : h.entries().values()) {
        String stored = entry.name();
        String name = stored.startsWith(PREFIX) ? stored.substring(PREFIX.length()) : stored;
        if (MASK_BUFFER.matcher(name).matches() || (name.equals(LM_HEAD) && config.tieWordEmbeddings())) {
          continue;
        }
        if (!expected.containsKey(name) && !HEAD.matcher(name).matches()) {
          throw new CheckpointException(h.file(), "unexpected tensor '" + stored + "' for a GPT-2 model with "
              + config.nLayer() + " layers (" + describe(config) + "); expected names like " + PREFIX
              + "h.0.attn.c_attn.weight, with or without the '" + PREFIX + "' prefix");
        }
        String previous = storedAs.put(name, stored);
        if (previous != null) {
          throw new CheckpointException(h.file(), "tensor '" + name + "' is stored twice, as '" + previous
              + "' and as '" + stored + "'");
        }
        int[] shape = expected.get(name);
        if (shape != null && !Arrays.equals(shape, entry.shape())) {
          throw new CheckpointException(h.file(), "tensor '" + stored + "' has shape " + Arrays.toString(entry.shape())
              + " but " + Gpt2Config.FILE_NAME + " (" + describe(config) + ") expects " + Arrays.toString(shape));
        }
        wanted.computeIfAbsent(h.file(), f -> new LinkedHashMap<>()).put(stored, name);
        foundIn.put(name, h.file());
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
      throw new CheckpointException(where, "missing " + missing.size() + " tensor(s) that " + Gpt2Config.FILE_NAME
          + " (" + describe(config) + ") requires: " + abbreviate(missing) + " (shape "
          + Arrays.toString(expected.get(missing.get(0))) + " for the first)");
    }

    Map<String, CheckpointTensor> byName = new LinkedHashMap<>();
    for (Map.Entry<Path, Map<String, String>> w : wanted.entrySet()) {
      Map<String, String> rename = w.getValue();
      for (CheckpointTensor t : Safetensors.read(w.getKey(), rename::containsKey).values()) {
        String canonical = rename.get(t.name());
        byName.put(canonical, t.withName(canonical));
      }
    }
    Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
    for (String name : expected.keySet()) {
      tensors.put(name, byName.remove(name));
    }
    return new Checkpoint(dir, config, tensors, byName);
  }

  static List<Path> weightFiles(Path dir) throws CheckpointException {
    Path single = dir.resolve(WEIGHTS_FILE);
    if (Files.exists(single)) {
      return List.of(single);
    }
    Path index = dir.resolve(ShardIndex.FILE_NAME);
    if (Files.exists(index)) {
      return ShardIndex.read(index).shards();
    }
    if (Files.exists(dir.resolve("pytorch_model.bin"))) {
      throw new CheckpointException(dir, "has only pytorch_model.bin; Cohort reads safetensors (convert with"
          + " transformers: model.save_pretrained(dir, safe_serialization=True))");
    }
    throw new CheckpointException(dir, "has neither " + WEIGHTS_FILE + " nor " + ShardIndex.FILE_NAME);
  }

  /**
   * Writes a model folder in Hugging Face layout: {@code config.json} and {@code model.safetensors}
   * (F32, {@code transformer.} prefix, metadata {@code format: pt}), as {@code save_pretrained}
   * does. {@code tensors} must be exactly {@link #expectedShapes} under canonical names.
   */
  public static void save(Path dir, Gpt2Config config, Map<String, CheckpointTensor> tensors) throws IOException {
    Map<String, int[]> expected = expectedShapes(config);
    for (Map.Entry<String, int[]> e : expected.entrySet()) {
      CheckpointTensor t = tensors.get(e.getKey());
      if (t == null) {
        throw new IllegalArgumentException("cannot save: tensor " + e.getKey() + " is missing");
      }
      if (!t.hasShape(e.getValue())) {
        throw new IllegalArgumentException("cannot save: tensor " + e.getKey() + " has shape "
            + Arrays.toString(t.shape()) + ", config expects " + Arrays.toString(e.getValue()));
      }
    }
    for (String name : tensors.keySet()) {
      if (!expected.containsKey(name)) {
        throw new IllegalArgumentException("cannot save: unexpected tensor " + name);
      }
    }
    Map<String, CheckpointTensor> stored = new LinkedHashMap<>();
    for (String name : expected.keySet()) {
      String key = name.equals(LM_HEAD) ? name : PREFIX + name;
      stored.put(key, tensors.get(name).withName(key));
    }
    Files.createDirectories(dir);
    config.write(dir.resolve(Gpt2Config.FILE_NAME));
    Safetensors.write(dir.resolve(WEIGHTS_FILE), stored, Map.of("format", "pt"));
  }

  /** The tokenizer files a Hugging Face model folder may carry, copied by {@link #copyTokenizerFiles}. */
  public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt",
      "tokenizer_config.json", "special_tokens_map.json");

  /**
   * Copies whichever tokenizer files {@code from} has into {@code to}, so an exported model folder
   * tokenises like its base (for {@code cohort-node tokenize} and for {@code AutoTokenizer}).
   * Returns the names copied.
   */
  public static List<String> copyTokenizerFiles(Path from, Path to) throws IOException {
    List<String> copied = new ArrayList<>();
    Files.createDirectories(to);
    for (String name : TOKENIZER_FILES) {
      Path src = from.resolve(name);
      if (Files.isRegularFile(src)) {
        Files.copy(src, to.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        copied.add(name);
      }
    }
    return copied;
  }

  private static String describe(Gpt2Config c) {
    return "n_layer=" + c.nLayer() + ", n_embd=" + c.nEmbd() + ", n_inner=" + c.nInner() + ", vocab_size="
        + c.vocabSize() + ", n_positions=" + c.nPositions();
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 5 ? String.join(", ", names)
        : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
  }
}
