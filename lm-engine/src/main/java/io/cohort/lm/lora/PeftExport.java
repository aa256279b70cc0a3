package io.cohort.lm.lora;

import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Parameter;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.LoraPair;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.format.peft.TargetModules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between trained adapters and PEFT's adapter files ({@link PeftAdapter}). Values are
 * passed through unchanged (F32 both ways), so export then import is bit-exact.
 */
public final class PeftExport {
  private PeftExport() {
  }

  /**
   * The PEFT adapter of {@code lora} plus the fully trained {@code head} parameters (named as the
   * base model names them, e.g. {@code score.weight}; empty for language modelling).
   */
  public static PeftAdapter toPeft(LoraModel lora, String taskType, String baseModel, List<Parameter> head,
      List<String> modulesToSave) {
    LoraConfig c = lora.config();
    TargetModules targets = TargetModules.of(c.targetModules());
    if (targets.isAllLinear()) {
      // As PEFT's save_pretrained: all-linear is written as the names of the layers it selected.
      java.util.Set<String> names = new java.util.TreeSet<>();
      for (String path : lora.modules().keySet()) {
        names.add(path.substring(path.lastIndexOf('.') + 1));
      }
      targets = TargetModules.names(List.copyOf(names));
    }
    AdapterConfig cfg = new AdapterConfig(taskType, c.r(), c.alpha(), c.dropout(), targets, lora.fanInFanOut(), "none",
        baseModel, modulesToSave);
    Map<String, LoraPair> pairs = new LinkedHashMap<>();
    for (LoraModule m : lora.modules().values()) {
      pairs.put(m.path(), new LoraPair(tensor(m.loraA()), tensor(m.loraB())));
    }
    Map<String, CheckpointTensor> saved = new LinkedHashMap<>();
    for (Parameter p : head) {
      saved.put(p.name(), tensor(p));
    }
    return new PeftAdapter(cfg, pairs, saved);
  }

  private static CheckpointTensor tensor(Parameter p) {
    return new CheckpointTensor(p.name(), p.shape(), p.value().clone());
  }

  /**
   * Attaches the adapter's LoRA modules to {@code model} with the adapter's values. {@code freezeA}
   * says whether A stays frozen if training continues (FFA-LoRA).
   */
  public static LoraModel attach(LanguageModel model, PeftAdapter adapter, boolean freezeA) {
    AdapterConfig a = adapter.config();
    List<String> targets = a.targetModules().isRegex() ? List.of(a.targetModules().pattern())
        : a.targetModules().nameList();
    LoraConfig cfg = new LoraConfig(a.r(), (float) a.loraAlpha(), (float) a.loraDropout(), targets, freezeA, 0);
    LoraModel lora = LoraModel.attach(model, cfg, adapter.lora()::containsKey);
    for (Map.Entry<String, LoraPair> e : adapter.lora().entrySet()) {
      LoraModule m = lora.modules().get(e.getKey());
      if (m == null) {
        throw new IllegalArgumentException("adapter module " + e.getKey() + " is not a layer of the base model");
      }
      copy(e.getValue().a(), m.loraA());
      copy(e.getValue().b(), m.loraB());
    }
    return lora;
  }

  /** Copies a stored tensor into a parameter of the same shape. */
  public static void copy(CheckpointTensor from, Parameter to) {
    if (!java.util.Arrays.equals(from.shape(), to.shape())) {
      throw new IllegalArgumentException(from.name() + " has shape " + java.util.Arrays.toString(from.shape())
          + " but the model needs " + java.util.Arrays.toString(to.shape()));
    }
    System.arraycopy(from.data(), 0, to.value(), 0, to.size());
  }
}
