package io.cohort.lm.model;

import org.bytedeco.javacpp.FloatPointer;

/**
 * A frozen row-major matrix copied off-heap once, so products with it copy only the activations.
 * The base model's weights never change during LoRA training, so they never need copying back.
 */
public final class NativeMatrix {
  private final FloatPointer pointer;
  private final int rows;
  private final int cols;

  public NativeMatrix(float[] data, int rows, int cols) {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + ((long) rows * cols)
          + " values, got " + data.length);
    }
    this.rows = rows;
    this.cols = cols;
    this.pointer = new FloatPointer(data.length);
    pointer.put(data, 0, data.length);
  }

  FloatPointer pointer() {
    return pointer;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** A heap copy of the values (for merged export and tests). */
  public float[] toArray() {
    float[] out = new float[rows * cols];
    pointer.get(out, 0, out.length);
    return out;
  }
}
