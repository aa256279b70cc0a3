package io.cohort.crypto.secagg.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.random.RandomGenerator;

/**
 * b-bit quantisation of reals clipped to [-c, c] onto the integers [-L, L], L = 2^(b-1) - 1, step
 * Δ = c / L, stored as two's-complement words of Z_2^32. Stochastic rounding rounds v = x/Δ up
 * with probability v - floor(v), so E[q·Δ] = x exactly (unbiased; Suresh et al., ICML 2017) and
 * |q·Δ - x| < Δ; nearest rounding gives |q·Δ - x| ≤ Δ/2 and is deterministic (for known answers).
 *
 * <p>The rounding coin flips are not secret (they are not masks or keys), so a fast
 * {@link RandomGenerator} seeded from {@code SecureRandom} is used: a per-coordinate
 * {@code SecureRandom} call would cost more than all the masking.
 */
public final class Quantizer {
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private final int levels;
  private final double clip;
  private final double step;
  private final boolean stochastic;
  private final RandomGenerator random;

  public Quantizer(int bits, double clipBound, boolean stochastic, RandomGenerator random) {
    if (bits < 2 || bits > 31) {
      throw new IllegalArgumentException("quantisation bits must be in [2, 31], got " + bits);
    }
    this.levels = (1 << (bits - 1)) - 1;
    this.clip = clipBound;
    this.step = clipBound / levels;
    this.stochastic = stochastic;
    this.random = random;
  }

  public int levels() {
    return levels;
  }

  public double stepSize() {
    return step;
  }

  /** Quantises {@code scale · x}, clipped to [-c, c]. Callers reject non-finite x first (A8). */
  public int quantize(double x, double scale) {
    double v = Math.max(-clip, Math.min(clip, x * scale)) / step;
    double fl = Math.floor(v);
    int q = (int) fl;
    if (stochastic) {
      if (random.nextDouble() < v - fl) {
        q++;
      }
    } else if (v - fl >= 0.5) {
      q++;
    }
    // Clip after rounding too: float error in x/step may put v a hair beyond L.
    return Math.max(-levels, Math.min(levels, q));
  }

  /** Quantises {@code src[off..off+len)} into little-endian words of {@code dst} from word {@code dstWord}. */
  public void quantizeInto(float[] src, int off, int len, double scale, byte[] dst, int dstWord) {
    for (int i = 0; i < len; i++) {
      LE_INT.set(dst, (dstWord + i) * 4, quantize(src[off + i], scale));
    }
  }

  /** The real value of a (summed) quantised word, read as a signed 32-bit integer. */
  public double dequantize(int word) {
    return word * step;
  }
}
