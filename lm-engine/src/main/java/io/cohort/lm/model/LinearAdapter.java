package io.cohort.lm.model;

import java.util.List;

/**
 * A trainable addition to a frozen linear layer (LoRA): {@code y = x W + b + delta(x)}.
 * Implementations keep what their backward pass needs in the returned state object.
 */
public interface LinearAdapter {
  /** Adds {@code delta(x)} to {@code y} ([rows, out]); returns state for {@link #backward} (null if not training). */
  Object forward(float[] x, float[] y, Pass pass);

  /**
   * Accumulates the adapter's gradients (summed, or per example when {@code pass.perExample()}) from
   * the output gradient {@code dy}, and adds its input gradient to {@code dx} unless {@code dx} is null.
   */
  void backward(Object state, float[] x, float[] dy, float[] dx, Pass pass);

  /** The adapter's trainable parameters. */
  List<Parameter> trainable();
}
