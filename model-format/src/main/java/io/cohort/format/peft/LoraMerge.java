package io.cohort.format.peft;

import io.cohort.format.checkpoint.CheckpointTensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds LoRA adapters into GPT-2 base weights: {@code W' = W + s (B A)^T} with {@code s = alpha/r},
 * for Hugging Face's Conv1D weights stored [in, out] ({@code fan_in_fan_out}). This is the one
 * merge implementation: the node's engine ({@code LoraModule.mergedWeight}) and the coordinator's
 * export both call it, so a merged export equals what the engine would merge.
 *
 * <p>Numerics: each entry of {@code B A} is summed over the rank in double, scaled by {@code s}
 * (as a float, the precision the engine's adapter forward uses), added to {@code W} in double and
 * rounded to float once, so the result does not depend on BLAS blocking.
 */
public final class LoraMerge {
  private LoraMerge() {
  }

  /**
   * {@code w + scale (b a)^T} as a new [in, out] array; {@code w} is not modified.
   *
   * @param w [in, out] row-major
   * @param a lora_A, [r, in] row-major
   * @param b lora_B, [out, r] row-major
   */
  public static float[] mergedConv1d(float[] w, int in, int out, float[] a, float[] b, int r, float scale) {
    if (w.length != (long) in * out || a.length != (long) r * in || b.length != (long) out * r) {
      throw new IllegalArgumentException("merge needs W [" + in + ", " + out + "], A [" + r + ", " + in + "] and B ["
          + out + ", " + r + "]; got " + w.length + ", " + a.length + " and " + b.length + " values");
    }
    float[] merged = new float[w.length];
    double[] row = new double[r];
    for (int o = 0; o < out; o++) {
      for (int k = 0; k < r; k++) {
        row[k] = b[o * r + k];
      }
      for (int i = 0; i < in; i++) {
        double dot = 0;
        for (int k = 0; k < r; k++) {
          dot += row[k] * a[k * in + i];
        }
        merged[i * out + o] = (float) (w[i * out + o] + (double) scale * dot);
      }
    }
    return merged;
  }

  /**
   * The base tensors (canonical checkpoint names such as {@code h.0.attn.c_attn.weight}, as
   * {@code Checkpoint.load} returns them) with every LoRA module of {@code adapter} folded in.
   * Returns a new map in the base's order; the base arrays are not modified.
   */
  public static Map<String, CheckpointTensor> merge(Map<String, CheckpointTensor> base, PeftAdapter adapter) {
    float scale = (float) adapter.config().scaling();
    Map<String, CheckpointTensor> out = new LinkedHashMap<>(base);
    for (Map.Entry<String, LoraPair> e : adapter.lora().entrySet()) {
      String name = canonicalWeightName(e.getKey());
      CheckpointTensor w = base.get(name);
      LoraPair p = e.getValue();
      if (w == null) {
        throw new IllegalArgumentException("the base model has no weight " + name + " for LoRA module " + e.getKey());
      }
      if (!w.hasShape(p.inFeatures(), p.outFeatures())) {
        throw new IllegalArgumentException("LoRA module " + e.getKey() + " is for [in " + p.inFeatures() + ", out "
            + p.outFeatures() + "] but the base weight " + name + " is " + Arrays.toString(w.shape()));
      }
      out.put(name, new CheckpointTensor(name, w.shape().clone(), mergedConv1d(w.data(), p.inFeatures(), p.outFeatures(),
          p.a().data(), p.b().data(), p.rank(), scale)));
    }
    return out;
  }

  /** {@code transformer.h.0.attn.c_attn} to the checkpoint's canonical {@code h.0.attn.c_attn.weight}. */
  public static String canonicalWeightName(String modulePath) {
    String p = modulePath.startsWith("transformer.") ? modulePath.substring("transformer.".length()) : modulePath;
    return p + ".weight";
  }

  /**
   * {@code W + scale * B A} for an {@code nn.Linear} weight stored [out, in] (PEFT with
   * {@code fan_in_fan_out: false}, the Llama family), in a new array.
   */
  public static float[] mergedLinear(float[] w, int in, int out, float[] a, float[] b, int r, float scale) {
    if (w.length != (long) in * out || a.length != (long) r * in || b.length != (long) out * r) {
      throw new IllegalArgumentException("merge needs W [" + out + ", " + in + "], A [" + r + ", " + in + "] and B ["
          + out + ", " + r + "]; got " + w.length + ", " + a.length + " and " + b.length + " values");
    }
    float[] merged = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        double dot = 0;
        for (int k = 0; k < r; k++) {
          dot += (double) b[o * r + k] * a[k * in + i];
        }
        merged[o * in + i] = (float) (w[o * in + i] + (double) scale * dot);
      }
    }
    return merged;
  }

  /**
   * The base tensors of an {@code nn.Linear} model under their Hugging Face names
   * ({@code model.layers.0.self_attn.q_proj.weight} [out, in]) with every LoRA module folded in.
   */
  public static Map<String, CheckpointTensor> mergeLinear(Map<String, CheckpointTensor> base, PeftAdapter adapter) {
    if (adapter.config().fanInFanOut()) {
      throw new IllegalArgumentException("the adapter has fan_in_fan_out true (GPT-2 Conv1D) but the base model's"
          + " layers are nn.Linear");
    }
    float scale = (float) adapter.config().scaling();
    Map<String, CheckpointTensor> out = new LinkedHashMap<>(base);
    for (Map.Entry<String, LoraPair> e : adapter.lora().entrySet()) {
      String name = e.getKey() + ".weight";
      CheckpointTensor w = base.get(name);
      LoraPair p = e.getValue();
      if (w == null) {
        throw new IllegalArgumentException("the base model has no weight " + name + " for LoRA module " + e.getKey());
      }
      if (!w.hasShape(p.outFeatures(), p.inFeatures())) {
        throw new IllegalArgumentException("LoRA module " + e.getKey() + " is for [out " + p.outFeatures() + ", in "
            + p.inFeatures() + "] but the base weight " + name + " is " + Arrays.toString(w.shape()));
      }
      out.put(name, new CheckpointTensor(name, w.shape().clone(), mergedLinear(w.data(), p.inFeatures(), p.outFeatures(),
          p.a().data(), p.b().data(), p.rank(), scale)));
    }
    return out;
  }
}
