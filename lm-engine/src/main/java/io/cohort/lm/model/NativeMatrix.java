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
 *
 * <p>Under {@link Precision#BF16} products use a BF16 copy ({@link #bf16Pointer()}): a matrix built
 * while BF16 is in force is rounded to BF16 (nearest even) and only that is kept; an F32 matrix
 * gains a BF16 copy on its first BF16 product.
 */
public final class NativeMatrix {
  /** Values widened per chunk on the heap on their way between the two off-heap buffers. */
  private static final int CHUNK = 1 << 16;
  private static final ThreadLocal<Wide> WIDE = ThreadLocal.withInitial(Wide::new);

  private final FloatPointer pointer; // null when stored as BF16
  private volatile ShortPointer bf16; // null until needed when stored as F32
  private final int rows;
  private final int cols;

  public NativeMatrix(float[] data, int rows, int cols) {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + ((long) rows * cols)
          + " values, got " + data.length);
    }
    this.rows = rows;
    this.cols = cols;
    if (Blas.precision() == Precision.BF16 || isBf16(data)) {
      this.pointer = null;
      this.bf16 = new ShortPointer(data.length);
      short[] chunk = new short[Math.min(CHUNK, data.length)];
      for (int from = 0; from < data.length; from += CHUNK) {
        int n = Math.min(CHUNK, data.length - from);
        for (int i = 0; i < n; i++) {
          chunk[i] = toBf16(data[from + i]);
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

  /** {@code v} rounded to the nearest bfloat16 (ties to even; NaN stays NaN), as its 16 bits. */
  public static short toBf16(float v) {
    int bits = Float.floatToRawIntBits(v);
    if (Float.isNaN(v)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** The float a bfloat16's 16 bits stand for (exact). */
  public static float fromBf16(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /**
   * The values as BF16 for a BF16 product: kept as they are when stored as BF16, else a copy rounded
   * to nearest even on first use and kept (frozen weights never change).
   */
  ShortPointer bf16Pointer() {
    ShortPointer p = bf16;
    if (p != null) {
      return p;
    }
    synchronized (this) {
      if (bf16 == null) {
        int size = rows * cols;
        ShortPointer out = new ShortPointer(size);
        float[] floats = new float[Math.min(CHUNK, size)];
        short[] bits = new short[floats.length];
        FloatPointer src = new FloatPointer(pointer); // a view: the shared pointer's position never moves
        for (int from = 0; from < size; from += CHUNK) {
          int n = Math.min(CHUNK, size - from);
          src.position(from).get(floats, 0, n);
          for (int i = 0; i < n; i++) {
            bits[i] = toBf16(floats[i]);
          }
          out.position(from).put(bits, 0, n);
        }
        out.position(0);
        bf16 = out;
      }
      return bf16;
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
    return pointer == null;
  }

  /** Bytes of off-heap memory the values take (an F32 matrix's BF16 copy included once made). */
  public long storedBytes() {
    return (long) rows * cols * ((pointer != null ? 4 : 0) + (bf16 != null ? 2 : 0));
  }

  /**
   * The values as F32 for a product: the matrix itself, or (BF16) this thread's buffer with the
   * values widened, valid until this thread's next call on any BF16 matrix.
   */
  FloatPointer pointer() {
    if (pointer != null) {
      return pointer;
    }
    Wide w = WIDE.get();
    int size = rows * cols;
    FloatPointer out = w.buffer(size);
    // A view of our own: the shared pointer's position must never move, since other threads read
    // it at the same time (widening too, or passing it to a product, where the position is the
    // start of the matrix). Moving it here once made concurrent widenings read each other's
    // chunks: wrong logits in KV-cache generation about one run in 200 (GreedyParityTest).
    ShortPointer src = new ShortPointer(bf16);
    for (int from = 0; from < size; from += CHUNK) {
      int n = Math.min(CHUNK, size - from);
      src.position(from).get(w.bits, 0, n);
      for (int i = 0; i < n; i++) {
        w.floats[i] = Float.intBitsToFloat((w.bits[i] & 0xFFFF) << 16);
      }
      out.position(from).put(w.floats, 0, n);
    }
    out.position(0);
    return out;
  }

  /** Whether the values are held as F32 (not only as BF16), so {@link #pointer()} is the matrix itself. */
  boolean isF32() {
    return pointer != null;
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
