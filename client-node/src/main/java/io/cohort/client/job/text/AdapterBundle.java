package io.cohort.client.job.text;

import io.cohort.lm.model.Parameter;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trainable tensors of a text job as they travel: named exactly as the keys of PEFT's
 * {@code adapter_model.safetensors} ({@link PeftAdapter#KEY_PREFIX} + the parameter's path in the
 * base model, e.g. {@code base_model.model.transformer.h.0.attn.c_attn.lora_B.weight} or
 * {@code base_model.model.score.weight}), so the coordinator's export writes the global model
 * without renaming. Frozen tensors (FFA-LoRA's A, the base weights) never appear.
 */
public final class AdapterBundle {
  private AdapterBundle() {
  }

  /** The bundle key of a trainable parameter. */
  public static String key(Parameter p) {
    return PeftAdapter.KEY_PREFIX + p.name();
  }

  /** A copy of the parameters' current values, in order. */
  public static TensorBundle of(List<Parameter> params) {
    List<Tensor> out = new ArrayList<>(params.size());
    for (Parameter p : params) {
      out.add(new Tensor(key(p), Arrays.stream(p.shape()).asLongStream().toArray(), p.value().clone()));
    }
    return new TensorBundle(out);
  }

  /**
   * Copies {@code bundle} into the parameters. The bundle must hold exactly these tensors, in this
   * order and with these shapes: a model of another job, rank or head size is refused by name.
   *
   * @throws IllegalArgumentException naming the first tensor that does not fit
   */
  public static void load(TensorBundle bundle, List<Parameter> params) {
    List<Tensor> tensors = bundle.tensors();
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      String key = key(p);
      long[] shape = Arrays.stream(p.shape()).asLongStream().toArray();
      if (i >= tensors.size() || !tensors.get(i).name().equals(key)) {
        throw new IllegalArgumentException("the model lacks " + key + " " + Arrays.toString(shape) + " at position "
            + i + " (has " + (i < tensors.size() ? tensors.get(i).name() : "no more tensors") + ")");
      }
      Tensor t = tensors.get(i);
      if (!Arrays.equals(t.shape(), shape)) {
        throw new IllegalArgumentException("tensor " + key + " has shape " + Arrays.toString(t.shape())
            + " but this job's adapter needs " + Arrays.toString(shape));
      }
    }
    if (tensors.size() != params.size()) {
      throw new IllegalArgumentException("the model has " + tensors.size() + " tensors but this job trains "
          + params.size() + "; unexpected: " + tensors.get(params.size()).name());
    }
    for (int i = 0; i < params.size(); i++) {
      float[] v = tensors.get(i).values();
      System.arraycopy(v, 0, params.get(i).value(), 0, v.length);
    }
  }
}
