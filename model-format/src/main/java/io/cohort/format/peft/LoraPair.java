package io.cohort.format.peft;

import io.cohort.format.checkpoint.CheckpointTensor;
import java.util.Arrays;

/**
 * The two LoRA factors of one module, in PEFT's layout: {@code a} is [r, in] and {@code b} is
 * [out, r], so the update in PyTorch's Linear convention is (alpha/r)·B·A, shape [out, in]. For
 * GPT-2's Conv1D (weights stored [in, out], {@code fan_in_fan_out}) it is added transposed.
 */
public record LoraPair(CheckpointTensor a, CheckpointTensor b) {
  public LoraPair {
    if (a.rank() != 2 || b.rank() != 2 || a.shape()[0] != b.shape()[1]) {
      throw new IllegalArgumentException("LoRA factors must be A [r, in] and B [out, r] with the same r, got A "
          + Arrays.toString(a.shape()) + " and B " + Arrays.toString(b.shape()));
    }
  }

  public int rank() {
    return a.shape()[0];
  }

  public int inFeatures() {
    return a.shape()[1];
  }

  public int outFeatures() {
    return b.shape()[0];
  }
}
