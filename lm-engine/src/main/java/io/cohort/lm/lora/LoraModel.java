package io.cohort.lm.lora;

import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.LoraMerge;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Linear;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Attaches LoRA adapters to the linear layers of a model that a target-module rule selects. */
public final class LoraModel {
  private final LoraConfig config;
  private final Map<String, LoraModule> modules;
  private final boolean fanInFanOut;

  private LoraModel(LoraConfig config, Map<String, LoraModule> modules, boolean fanInFanOut) {
    this.config = config;
    this.modules = Collections.unmodifiableMap(modules);
    this.fanInFanOut = fanInFanOut;
  }

  /**
   * Adds adapters to the layers that {@code config.targetModules()} selects by PEFT's rule
   * ({@link io.cohort.format.peft.TargetModules#of}: names, a regex, or {@code all-linear}).
   */
  public static LoraModel attach(LanguageModel model, LoraConfig config) {
    return attach(model, config, io.cohort.format.peft.TargetModules.of(config.targetModules())::matches);
  }

  /** PEFT's {@code fan_in_fan_out}: true for GPT-2's Conv1D layers, false for nn.Linear models (Llama family). */
  public boolean fanInFanOut() {
    return fanInFanOut;
  }

  /**
   * Adds one adapter to every linear layer whose Hugging Face module path {@code matcher} accepts,
   * initialising the A matrices in model order from {@code config.seed()}.
   *
   * @throws IllegalArgumentException when no layer matches (PEFT refuses that too)
   */
  public static LoraModel attach(LanguageModel model, LoraConfig config, Predicate<String> matcher) {
    LoraInit init = new LoraInit(config.seed());
    Map<String, LoraModule> mods = new LinkedHashMap<>();
    for (Linear l : model.linears().values()) {
      if (matcher.test(l.path())) {
        LoraModule m = new LoraModule(l.path(), l.in(), l.out(), config, init);
        l.setAdapter(m);
        mods.put(l.path(), m);
      }
    }
    if (mods.isEmpty()) {
      throw new IllegalArgumentException("target modules " + config.targetModules()
          + " match no layer of the model (" + (model instanceof Gpt2Model
          ? "GPT-2 layers: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj"
          : "Llama-family layers: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj") + ")");
    }
    return new LoraModel(config, mods, model instanceof Gpt2Model);
  }

  public LoraConfig config() {
    return config;
  }

  /** The adapters by Hugging Face module path, in model order. */
  public Map<String, LoraModule> modules() {
    return modules;
  }

  /**
   * The base tensors (canonical names, Conv1D [in, out]) with every adapter folded in:
   * {@code W + (alpha/r) (B A)^T}. Returns a new map; the base arrays are not modified.
   */
  public Map<String, float[]> merge(Map<String, float[]> base) {
    if (!fanInFanOut) {
      throw new UnsupportedOperationException("merging adapters into a Llama-family checkpoint is not supported yet");
    }
    Map<String, float[]> out = new LinkedHashMap<>(base);
    for (LoraModule m : modules.values()) {
      String name = canonicalWeightName(m.path());
      float[] w = base.get(name);
      if (w == null) {
        throw new IllegalArgumentException("base tensors lack " + name + " for adapter " + m.path());
      }
      out.put(name, m.mergedWeight(w));
    }
    return out;
  }

  /** {@code transformer.h.0.attn.c_attn} to the checkpoint's canonical {@code h.0.attn.c_attn.weight}. */
  static String canonicalWeightName(String hfPath) {
    return LoraMerge.canonicalWeightName(hfPath);
  }

  public List<String> paths() {
    return new ArrayList<>(modules.keySet());
  }
}
