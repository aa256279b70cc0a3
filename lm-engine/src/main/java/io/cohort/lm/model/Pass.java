package io.cohort.lm.model;

import java.util.SplittableRandom;

/**
 * How one forward/backward pass runs: the batch layout (rows are {@code batch} examples of
 * {@code seqLen} tokens each, example-major), whether activations are kept for a backward pass,
 * whether gradients are wanted per example (DP-SGD) instead of summed, and the seeded source of
 * dropout masks (training randomness, reproducible by design; never used for DP noise).
 */
public record Pass(int batch, int seqLen, boolean training, boolean perExample, SplittableRandom dropout) {
  public static Pass inference(int batch, int seqLen) {
    return new Pass(batch, seqLen, false, false, null);
  }

  public static Pass training(int batch, int seqLen, boolean perExample, SplittableRandom dropout) {
    return new Pass(batch, seqLen, true, perExample, dropout);
  }

  /** The same pass drawing its dropout masks from {@code source} (activation recomputation replays a layer's masks). */
  public Pass withDropout(SplittableRandom source) {
    return new Pass(batch, seqLen, training, perExample, source);
  }

  public int rows() {
    return batch * seqLen;
  }
}
