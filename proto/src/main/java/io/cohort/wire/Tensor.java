package io.cohort.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor in row-major order.
 *
 * <p>Immutable by convention: the constructor copies nothing for speed, so callers must not
 * mutate {@link #values()} after handing a tensor on. {@link #copy()} gives an independent one.
 */
public record Tensor(String name, long[] shape, float[] values) {

  public Tensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(values, "values");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("tensor name must not be empty");
    }
    long n = elementCount(shape);
    if (n != values.length) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' has shape " + Arrays.toString(shape) + " (" + n
              + " elements) but " + values.length + " values");
    }
  }

  /** Number of elements a tensor of this shape holds; rejects negative dimensions. */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public static Tensor zerosLike(Tensor t) {
    return new Tensor(t.name, t.shape.clone(), new float[t.values.length]);
  }

  public Tensor copy() {
    return new Tensor(name, shape.clone(), values.clone());
  }

  public int size() {
    return values.length;
  }

  public long sizeBytes() {
    return 4L * values.length;
  }

  /** True when both tensors have the same name and shape. */
  public boolean sameLayout(Tensor other) {
    return name.equals(other.name) && Arrays.equals(shape, other.shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(values, t.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
  }
}
