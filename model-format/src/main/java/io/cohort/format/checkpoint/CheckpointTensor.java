package io.cohort.format.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor, row-major (C order) like safetensors and PyTorch. Equality compares
 * name, shape and the exact bits of every element, so round-trip tests can use {@code equals}.
 */
public record CheckpointTensor(String name, int[] shape, float[] data) {
  public CheckpointTensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    long n = elementCount(shape);
    if (n != data.length) {
      throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + n
          + " elements but " + data.length + " values were given");
    }
  }

  /** A tensor of zeros. */
  public static CheckpointTensor zeros(String name, int... shape) {
    long n = elementCount(shape);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("tensor " + name + " too large: " + n + " elements");
    }
    return new CheckpointTensor(name, shape, new float[(int) n]);
  }

  /** The number of elements a shape holds; rejects negative dimensions. */
  public static long elementCount(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public int size() {
    return data.length;
  }

  public int rank() {
    return shape.length;
  }

  /** The same values under another name (the data array is shared, not copied). */
  public CheckpointTensor withName(String newName) {
    return new CheckpointTensor(newName, shape, data);
  }

  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CheckpointTensor t)) {
      return false;
    }
    if (!name.equals(t.name) || !Arrays.equals(shape, t.shape) || data.length != t.data.length) {
      return false;
    }
    for (int i = 0; i < data.length; i++) {
      if (Float.floatToRawIntBits(data[i]) != Float.floatToRawIntBits(t.data[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "CheckpointTensor[" + name + " " + Arrays.toString(shape) + "]";
  }
}
