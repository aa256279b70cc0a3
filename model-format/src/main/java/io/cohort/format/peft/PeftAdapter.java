package io.cohort.format.peft;

import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.Safetensors;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA adapter in Hugging Face PEFT's on-disk layout, which {@code PeftModel.from_pretrained}
 * loads as is: {@code adapter_config.json} and {@code adapter_model.safetensors} (F32, metadata
 * {@code {"format": "pt"}}) with keys
 * {@code base_model.model.<module>.lora_A.weight} [r, in] and {@code ...lora_B.weight} [out, r],
 * and each {@code modules_to_save} parameter as {@code base_model.model.<module>.<param>} (e.g.
 * {@code base_model.model.score.weight}), as PEFT's {@code get_peft_model_state_dict} names them.
 *
 * <p>The key strings matter: PEFT loads a wrongly prefixed key silently as "unexpected" and
 * leaves the adapter at its initial values, so writing checks every key and reading rejects keys
 * PEFT would not have written.
 *
 * @param lora module path relative to the base model (e.g. {@code transformer.h.0.attn.c_attn})
 *     → its factors
 * @param savedModules parameter path relative to the base model (e.g. {@code score.weight}) →
 *     the fully trained tensor, for {@code modules_to_save}
 */
public record PeftAdapter(AdapterConfig config, Map<String, LoraPair> lora, Map<String, CheckpointTensor> savedModules) {
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  public static final String KEY_PREFIX = "base_model.model.";
  private static final String A_SUFFIX = ".lora_A.weight";
  private static final String B_SUFFIX = ".lora_B.weight";

  public PeftAdapter {
    lora = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(lora));
    savedModules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(savedModules));
  }

  /** The safetensors key of a module's LoRA A factor, exactly as PEFT writes it. */
  public static String loraAKey(String module) {
    return KEY_PREFIX + module + A_SUFFIX;
  }

  public static String loraBKey(String module) {
    return KEY_PREFIX + module + B_SUFFIX;
  }

  /**
   * GPT-2's Conv1D modules, by Hugging Face module path, with their [in, out] sizes: the
   * modules LoRA can target in this engine.
   */
  public static Map<String, int[]> gpt2Modules(Gpt2Config c) {
    Map<String, int[]> m = new LinkedHashMap<>();
    int e = c.nEmbd();
    for (int i = 0; i < c.nLayer(); i++) {
      String h = "transformer.h." + i + ".";
      m.put(h + "attn.c_attn", new int[] {e, 3 * e});
      m.put(h + "attn.c_proj", new int[] {e, e});
      m.put(h + "mlp.c_fc", new int[] {e, c.nInner()});
      m.put(h + "mlp.c_proj", new int[] {c.nInner(), e});
    }
    return m;
  }

  /** Writes the adapter folder; the safetensors file is written atomically. */
  public void write(Path dir) throws IOException {
    Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, LoraPair> e : lora.entrySet()) {
      String module = e.getKey();
      checkModuleName(module);
      if (!config.targetModules().matches(module)) {
        throw new IllegalArgumentException("LoRA module " + module + " does not match target_modules "
            + config.targetModules() + "; PEFT would not load it");
      }
      LoraPair p = e.getValue();
      if (p.rank() != config.r()) {
        throw new IllegalArgumentException("LoRA module " + module + " has rank " + p.rank() + " but r = "
            + config.r());
      }
      tensors.put(loraAKey(module), p.a().withName(loraAKey(module)));
      tensors.put(loraBKey(module), p.b().withName(loraBKey(module)));
    }
    for (Map.Entry<String, CheckpointTensor> e : savedModules.entrySet()) {
      if (savedModuleOf(e.getKey()) == null) {
        throw new IllegalArgumentException("saved parameter " + e.getKey() + " belongs to no module in"
            + " modules_to_save " + config.modulesToSave());
      }
      tensors.put(KEY_PREFIX + e.getKey(), e.getValue().withName(KEY_PREFIX + e.getKey()));
    }
    Files.createDirectories(dir);
    config.write(dir.resolve(AdapterConfig.FILE_NAME));
    Safetensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
  }

  /** Reads an adapter folder written by PEFT or by {@link #write}; errors name the file and key. */
  public static PeftAdapter read(Path dir) throws CheckpointException {
    AdapterConfig config = AdapterConfig.read(dir.resolve(AdapterConfig.FILE_NAME));
    Path file = dir.resolve(WEIGHTS_FILE);
    if (!Files.exists(file) && Files.exists(dir.resolve("adapter_model.bin"))) {
      throw new CheckpointException(dir, "has only adapter_model.bin; Cohort reads adapter_model.safetensors"
          + " (PEFT writes it with save_pretrained(dir, safe_serialization=True))");
    }
    Map<String, CheckpointTensor> tensors = Safetensors.read(file);
    Map<String, CheckpointTensor> as = new LinkedHashMap<>();
    Map<String, CheckpointTensor> bs = new LinkedHashMap<>();
    Map<String, CheckpointTensor> saved = new LinkedHashMap<>();
    for (Map.Entry<String, CheckpointTensor> e : tensors.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(KEY_PREFIX)) {
        throw new CheckpointException(file, "key '" + key + "' lacks the '" + KEY_PREFIX + "' prefix that PEFT"
            + " writes (expected e.g. " + loraAKey("transformer.h.0.attn.c_attn") + ")");
      }
      String path = key.substring(KEY_PREFIX.length());
      if (path.endsWith(A_SUFFIX)) {
        as.put(path.substring(0, path.length() - A_SUFFIX.length()), e.getValue());
      } else if (path.endsWith(B_SUFFIX)) {
        bs.put(path.substring(0, path.length() - B_SUFFIX.length()), e.getValue());
      } else if (!path.contains("lora_") && savedModuleOf(config, path) != null) {
        saved.put(path, e.getValue().withName(path));
      } else {
        throw new CheckpointException(file, "unexpected key '" + key + "': not a LoRA factor (" + A_SUFFIX.substring(1)
            + ", " + B_SUFFIX.substring(1) + ") nor a parameter of modules_to_save " + config.modulesToSave()
            + (path.contains(".default.") ? "; keys must not carry the adapter name 'default'" : ""));
      }
    }
    Map<String, LoraPair> lora = new LinkedHashMap<>();
    for (Map.Entry<String, CheckpointTensor> e : as.entrySet()) {
      String module = e.getKey();
      CheckpointTensor a = e.getValue();
      CheckpointTensor b = bs.remove(module);
      if (b == null) {
        throw new CheckpointException(file, "module " + module + " has lora_A but no lora_B");
      }
      if (a.rank() != 2 || b.rank() != 2 || a.shape()[0] != config.r() || b.shape()[1] != config.r()) {
        throw new CheckpointException(file, "module " + module + ": lora_A must be [r, in] and lora_B [out, r] with"
            + " r = " + config.r() + " from " + AdapterConfig.FILE_NAME + ", got A " + Arrays.toString(a.shape())
            + " and B " + Arrays.toString(b.shape()));
      }
      if (!config.targetModules().matches(module)) {
        throw new CheckpointException(file, "module " + module + " does not match target_modules "
            + config.targetModules());
      }
      lora.put(module, new LoraPair(a.withName(module + ".lora_A.weight"), b.withName(module + ".lora_B.weight")));
    }
    if (!bs.isEmpty()) {
      throw new CheckpointException(file, "module " + bs.keySet().iterator().next() + " has lora_B but no lora_A");
    }
    if (lora.isEmpty()) {
      throw new CheckpointException(file, "holds no LoRA factors");
    }
    return new PeftAdapter(config, lora, saved);
  }

  /**
   * Checks the adapter against a base model: every LoRA module is one of GPT-2's Conv1D modules
   * with matching [in, out] sizes. Returns this adapter for chaining.
   */
  public PeftAdapter checkAgainst(Gpt2Config base, Path where) throws CheckpointException {
    Map<String, int[]> modules = gpt2Modules(base);
    for (Map.Entry<String, LoraPair> e : lora.entrySet()) {
      int[] inOut = modules.get(e.getKey());
      if (inOut == null) {
        throw new CheckpointException(where, "LoRA module " + e.getKey() + " is not a Conv1D module of the base"
            + " model (" + base.nLayer() + " layers; e.g. transformer.h.0.attn.c_attn)");
      }
      LoraPair p = e.getValue();
      if (p.inFeatures() != inOut[0] || p.outFeatures() != inOut[1]) {
        throw new CheckpointException(where, "LoRA module " + e.getKey() + " is for in=" + p.inFeatures() + ", out="
            + p.outFeatures() + " but the base model's module has in=" + inOut[0] + ", out=" + inOut[1]);
      }
    }
    return this;
  }

  private String savedModuleOf(String parameterPath) {
    return savedModuleOf(config, parameterPath);
  }

  /** The modules_to_save entry a parameter belongs to, by PEFT's name rule, or null. */
  private static String savedModuleOf(AdapterConfig config, String parameterPath) {
    int dot = parameterPath.lastIndexOf('.');
    if (dot <= 0 || config.modulesToSave().isEmpty()) {
      return null;
    }
    String module = parameterPath.substring(0, dot);
    return TargetModules.names(config.modulesToSave()).matches(module) ? module : null;
  }

  private static void checkModuleName(String module) {
    if (module.isEmpty() || module.startsWith(".") || module.endsWith(".") || module.startsWith(KEY_PREFIX)
        || module.endsWith(".weight")) {
      throw new IllegalArgumentException("LoRA module must be a module path like transformer.h.0.attn.c_attn, got '"
          + module + "'");
    }
  }
}
