package io.cohort.lm.model;

import java.util.Arrays;

/**
 * A named trainable tensor with its gradient. Under DP-SGD the backward pass fills
 * {@link #perExampleGrad} ([batch, size], one row per example) instead of {@link #grad}.
 */
public final class Parameter {
  private final String name;
  private final int[] shape;
  private final float[] value;
  private final float[] grad;
  private float[] perExampleGrad = new float[0];
  private int perExampleRows;

  public Parameter(String name, int[] shape, float[] value) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != value.length) {
      throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
          + " values, got " + value.length);
    }
    this.name = name;
    this.shape = shape.clone();
    this.value = value;
    this.grad = new float[value.length];
  }

  public String name() {
    return name;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int size() {
    return value.length;
  }

  /** The live values (updated in place by optimisers). */
  public float[] value() {
    return value;
  }

  /** The summed gradient of the last backward pass (accumulated until {@link #zeroGrad}). */
  public float[] grad() {
    return grad;
  }

  public void zeroGrad() {
    Arrays.fill(grad, 0f);
  }

  /** Zeroed per-example gradient rows for {@code batch} examples (reuses the buffer when it fits). */
  public float[] resetPerExample(int batch) {
    int n = batch * value.length;
    if (perExampleGrad.length < n) {
      perExampleGrad = new float[n];
    } else {
      Arrays.fill(perExampleGrad, 0, n, 0f);
    }
    perExampleRows = batch;
    return perExampleGrad;
  }

  /** Per-example gradients of the last per-example pass: row {@code i} at offset {@code i * size()}. */
  public float[] perExampleGrad() {
    return perExampleGrad;
  }

  public int perExampleRows() {
    return perExampleRows;
  }
}
