package io.cohort.lm.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * A frozen row-major matrix copied off-heap once, so products with it copy only the activations.
 * The base model's weights never change during LoRA training, so they never need copying back.
 *
 * <p>When every value is exactly a bfloat16 (the low 16 bits of each float are zero, as for a BF16
 * checkpoint widened at load), the matrix is kept off-heap as BF16 — half the memory of F32 — and
 * widened into a per-thread F32 buffer for each product. Widening BF16 to F32 is exact, so products
 * are bit for bit those of the F32 matrix.
 */
public final class NativeMatrix {
  /** Values widened per chunk on the heap on their way between the two off-heap buffers. */
  private static final int CHUNK = 1 << 16;
  private static final ThreadLocal<Wide> WIDE = ThreadLocal.withInitial(Wide::new);

  private final FloatPointer pointer; // null when stored as BF16
  private final ShortPointer bf16; // null when stored as F32
  private final int rows;
  private final int cols;

  public NativeMatrix(float[] data, int rows, int cols) {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + ((long) rows * cols)
          + " values, got " + data.length);
    }
    this.rows = rows;
    this.cols = cols;
    if (isBf16(data)) {
      this.pointer = null;
      this.bf16 = new ShortPointer(data.length);
      short[] chunk = new short[Math.min(CHUNK, data.length)];
      for (int from = 0; from < data.length; from += CHUNK) {
        int n = Math.min(CHUNK, data.length - from);
        for (int i = 0; i < n; i++) {
          chunk[i] = (short) (Float.floatToRawIntBits(data[from + i]) >>> 16);
        }
        bf16.position(from).put(chunk, 0, n);
      }
      bf16.position(0);
    } else {
      this.bf16 = null;
      this.pointer = new FloatPointer(data.length);
      pointer.put(data, 0, data.length);
    }
  }

  /** True when every value is a bfloat16 exactly (no bits below the 16 high ones). */
  static boolean isBf16(float[] data) {
    for (float v : data) {
      if ((Float.floatToRawIntBits(v) & 0xFFFF) != 0) {
        return false;
      }
    }
    return data.length > 0;
  }

  /** True when the values are kept as BF16 (2 bytes each) rather than F32. */
  public boolean storedAsBf16() {
    return bf16 != null;
  }

  /** Bytes of off-heap memory the values take. */
  public long storedBytes() {
    return (long) rows * cols * (bf16 != null ? 2 : 4);
  }

  /**
   * The values as F32 for a product: the matrix itself, or (BF16) this thread's buffer with the
   * values widened, valid until this thread's next call on any BF16 matrix.
   */
  FloatPointer pointer() {
    if (bf16 == null) {
      return pointer;
    }
    Wide w = WIDE.get();
    int size = rows * cols;
    FloatPointer out = w.buffer(size);
    for (int from = 0; from < size; from += CHUNK) {
      int n = Math.min(CHUNK, size - from);
      bf16.position(from).get(w.bits, 0, n);
      for (int i = 0; i < n; i++) {
        w.floats[i] = Float.intBitsToFloat((w.bits[i] & 0xFFFF) << 16);
      }
      out.position(from).put(w.floats, 0, n);
    }
    bf16.position(0);
    out.position(0);
    return out;
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
    FloatPointer p = pointer();
    p.get(out, 0, out.length);
    return out;
  }

  /** A thread's widening buffers: one off-heap F32 buffer grown to the largest matrix, heap chunks. */
  private static final class Wide {
    final short[] bits = new short[CHUNK];
    final float[] floats = new float[CHUNK];
    FloatPointer buffer;
    long capacity;

    FloatPointer buffer(int size) {
      if (buffer == null || capacity < size) {
        if (buffer != null) {
          buffer.close();
        }
        buffer = new FloatPointer(size);
        capacity = size;
      }
      return buffer;
    }
  }
}
