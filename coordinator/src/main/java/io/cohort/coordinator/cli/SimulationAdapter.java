package io.cohort.coordinator.cli;

import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.Tensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.LoraPair;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.format.peft.TargetModules;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A text job's global model as a PEFT adapter, so that {@code cohort-node eval} can run the final
 * evaluation of a simulation on a held-out test file. The global model's tensors already carry
 * PEFT's keys; under FFA-LoRA the frozen A factors are not in it and are regenerated from the job
 * seed with {@link LoraInit}, module by module in model order (the order of the B tensors), as
 * every node does.
 *
 * <p>Interim: {@code cohort job export --format peft} (another branch) is the product's way to do
 * this; the simulation should switch to it once it lands.
 */
final class SimulationAdapter {
  private static final String A_SUFFIX = ".lora_A.weight";
  private static final String B_SUFFIX = ".lora_B.weight";

  private SimulationAdapter() {}

  static PeftAdapter of(io.cohort.wire.TensorBundle global, JobSpec spec, Gpt2Config base) {
    Map<String, int[]> modules = PeftAdapter.gpt2Modules(base);
    Map<String, float[]> given = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (io.cohort.wire.Tensor t : global.tensors()) {
      if (!t.name().startsWith(PeftAdapter.KEY_PREFIX)) {
        throw new IllegalArgumentException("global model tensor " + t.name() + " is not a PEFT key (no "
            + PeftAdapter.KEY_PREFIX + " prefix)");
      }
      given.put(t.name().substring(PeftAdapter.KEY_PREFIX.length()), t.values());
      shapes.put(t.name().substring(PeftAdapter.KEY_PREFIX.length()), t.shape());
    }
    boolean frozenA = spec.getLora().getFreezeA();
    LoraInit init = new LoraInit(LoraInit.seedForJob(spec.getSeed()));
    int r = spec.getLora().getR();
    Map<String, LoraPair> lora = new LinkedHashMap<>();
    Map<String, Tensor> saved = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : given.entrySet()) {
      String name = e.getKey();
      if (name.endsWith(A_SUFFIX)) {
        continue;
      }
      if (!name.endsWith(B_SUFFIX)) {
        saved.put(name, new Tensor(name, ints(shapes.get(name)), e.getValue()));
        continue;
      }
      String module = name.substring(0, name.length() - B_SUFFIX.length());
      int[] inOut = modules.get(module);
      if (inOut == null) {
        throw new IllegalArgumentException("global model adapts " + module + ", which the base model lacks");
      }
      float[] a = frozenA ? init.nextA(r, inOut[0]) : given.get(module + A_SUFFIX);
      if (a == null) {
        throw new IllegalArgumentException("global model lacks " + module + A_SUFFIX + " (lora.freeze_a is false)");
      }
      lora.put(module, new LoraPair(new Tensor(module + A_SUFFIX, new int[] {r, inOut[0]}, a),
          new Tensor(name, ints(shapes.get(name)), e.getValue())));
    }
    boolean classification = spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION;
    List<String> toSave = saved.keySet().stream().map(k -> k.substring(0, k.lastIndexOf('.'))).distinct().toList();
    AdapterConfig config = AdapterConfig.gpt2(classification ? AdapterConfig.SEQ_CLS : AdapterConfig.CAUSAL_LM, r,
        spec.getLora().getAlpha(), spec.getLora().getDropout(),
        TargetModules.names(spec.getLora().getTargetModulesList()), spec.getModel().getName(), toSave);
    return new PeftAdapter(config, lora, saved);
  }

  private static int[] ints(long[] shape) {
    return Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
  }
}
