package io.cohort.lm.model;

import java.util.List;

/**
 * A trainable addition to a frozen linear layer (LoRA): {@code y = x W + b + delta(x)}.
 * Implementations keep what their backward pass needs in the returned state object.
 */
public interface LinearAdapter {
  /** Adds {@code delta(x)} to {@code y} ([rows, out]); returns state for {@link #backward} (null if not training). */
  default Object forward(float[] x, float[] y, Pass pass) {
    return forward(x, null, false, y, pass);
  }

  /**
   * As {@link #forward(float[], float[], Pass)}, with {@code u = x A^T} ([rows, r]) already formed
   * beside the frozen product when {@code u} is not null (see {@link #lowRank}), and the delta
   * {@code scale u B^T} already added to {@code y} when {@code deltaAdded}.
   */
  Object forward(float[] x, float[] u, boolean deltaAdded, float[] y, Pass pass);

  /**
   * Accumulates the adapter's gradients (summed, or per example when {@code pass.perExample()}) from
   * the output gradient {@code dy}, and adds its input gradient to {@code dx} unless {@code dx} is null.
   */
  default void backward(Object state, float[] x, float[] dy, float[] dx, Pass pass) {
    backward(state, x, dy, null, false, dx, pass);
  }

  /**
   * As {@link #backward(Object, float[], float[], float[], Pass)}, with {@code du = scale dy B}
   * ([rows, r]) already formed beside the frozen input-gradient product when {@code du} is not null,
   * and its input gradient {@code du A} already added to {@code dx} when {@code inputGradAdded}.
   */
  void backward(Object state, float[] x, float[] dy, float[] du, boolean inputGradAdded, float[] dx, Pass pass);

  /**
   * The low-rank factors whose products with the layer's input ({@code u = x A^T}) and output
   * gradient ({@code du = scale dy B}) the frozen products can form from their own off-heap copies
   * of x and dy, saving the adapter a copy of each; null when this pass cannot use them (input
   * dropout: the adapter's input is not x).
   */
  default LowRank lowRank(Pass pass) {
    return null;
  }

  /** A [r, in] and B [out, r] row-major, the rank r, and the scale of the delta {@code scale x A^T B^T}. */
  record LowRank(float[] a, float[] b, int r, float scale) {
  }

  /** The adapter's trainable parameters. */
  List<Parameter> trainable();
}
