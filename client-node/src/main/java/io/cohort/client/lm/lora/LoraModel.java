package io.cohort.client.lm.lora;

import io.cohort.client.lm.model.Gpt2Model;
import io.cohort.client.lm.model.Linear;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/** Attaches LoRA adapters to the linear layers of a model that a target-module rule selects. */
public final class LoraModel {
  private final LoraConfig config;
  private final Map<String, LoraModule> modules;

  private LoraModel(LoraConfig config, Map<String, LoraModule> modules) {
    this.config = config;
    this.modules = Collections.unmodifiableMap(modules);
  }

  /**
   * Adds one adapter to every linear layer whose Hugging Face module path {@code matcher} accepts,
   * initialising the A matrices in model order from {@code config.seed()}.
   *
   * @throws IllegalArgumentException when no layer matches (PEFT refuses that too)
   */
  public static LoraModel attach(Gpt2Model model, LoraConfig config, Predicate<String> matcher) {
    SplittableRandom init = new SplittableRandom(config.seed());
    Map<String, LoraModule> mods = new LinkedHashMap<>();
    for (Linear l : model.linears().values()) {
      if (matcher.test(l.path())) {
        LoraModule m = new LoraModule(l.path(), l.in(), l.out(), config, init.split());
        l.setAdapter(m);
        mods.put(l.path(), m);
      }
    }
    if (mods.isEmpty()) {
      throw new IllegalArgumentException("target modules " + config.targetModules()
          + " match no layer of the model (GPT-2 layers: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj)");
    }
    return new LoraModel(config, mods);
  }

  public LoraConfig config() {
    return config;
  }

  /** The adapters by Hugging Face module path, in model order. */
  public Map<String, LoraModule> modules() {
    return modules;
  }

  public List<String> paths() {
    return new ArrayList<>(modules.keySet());
  }
}
