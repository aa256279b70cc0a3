package io.cohort.lm.model;

/**
 * Row-wise kernels of GPT-2 that ND4J M2.1 gets wrong or lacks (see docs/model-engine.md):
 * layer norm with epsilon, {@code gelu_new} (the tanh approximation) and their backward passes.
 * Rows are split over {@link Parallel}; each row or block runs one of {@link Kernels}' loops that
 * C2 vectorises, or under {@code -Dcohort.kernels=scalar} the previous loops kept below (for A/B runs).
 */
public final class Ops {
  private static final float SQRT_2_OVER_PI = 0.7978845608028654f;
  private static final float GELU_C = 0.044715f;
  /**
   * |x| beyond which gelu's derivative takes x at this bound in its sech^2 term. There tanh has
   * saturated (its argument passes the clamp near |x| = 4.37), so 1 - t^2 is a constant ~1e-7 and
   * the term with x itself would grow as x^3: 0.013 off at x = 100, infinite (then NaN) past 1e12,
   * where the true term is below 1e-20. Clamped, the derivative is within 2e-6 of exact everywhere.
   */
  static final float GELU_DERIVATIVE_CLAMP = 5f;
  /** Values per block of gelu's backward pass: three blocks of floats stay in L1. */
  private static final int GELU_BLOCK = 1024;

  private Ops() {
  }

  /**
   * Layer norm of each row of {@code x} ([rows, width]) into {@code out}; records each row's mean and
   * reciprocal standard deviation (biased variance, as PyTorch) for the backward pass.
   */
  public static void layerNorm(float[] x, int rows, int width, float[] gamma, float[] beta, float eps,
      float[] out, float[] mean, float[] rstd) {
    if (Kernels.VECTORIZED) {
      rowBlocks(rows, width, (from, to) -> Kernels.layerNormRows(x, from, to, width, gamma, beta, eps, out, mean,
          rstd));
      return;
    }
    Parallel.forEach(rows, width, r -> {
      int o = r * width;
      double s = 0;
      for (int i = 0; i < width; i++) {
        s += x[o + i];
      }
      float mu = (float) (s / width);
      double v = 0;
      for (int i = 0; i < width; i++) {
        float d = x[o + i] - mu;
        v += d * d;
      }
      float rs = (float) (1.0 / Math.sqrt(v / width + eps));
      mean[r] = mu;
      rstd[r] = rs;
      for (int i = 0; i < width; i++) {
        out[o + i] = (x[o + i] - mu) * rs * gamma[i] + beta[i];
      }
    });
  }

  /**
   * Adds to {@code dx} the gradient through layer norm (frozen gamma and beta) given the output
   * gradient {@code dy}, the input {@code x} and the saved statistics.
   */
  public static void layerNormBackward(float[] dy, float[] x, int rows, int width, float[] gamma,
      float[] mean, float[] rstd, float[] dx) {
    if (Kernels.VECTORIZED) {
      rowBlocks(rows, width, (from, to) -> Kernels.layerNormBackwardRows(dy, x, from, to, width, gamma, mean, rstd,
          dx));
      return;
    }
    Parallel.forEach(rows, width, r -> {
      int o = r * width;
      float mu = mean[r];
      float rs = rstd[r];
      double sumG = 0;
      double sumGx = 0;
      for (int i = 0; i < width; i++) {
        float g = dy[o + i] * gamma[i];
        float xh = (x[o + i] - mu) * rs;
        sumG += g;
        sumGx += g * xh;
      }
      float mg = (float) (sumG / width);
      float mgx = (float) (sumGx / width);
      for (int i = 0; i < width; i++) {
        float g = dy[o + i] * gamma[i];
        float xh = (x[o + i] - mu) * rs;
        dx[o + i] += rs * (g - mg - xh * mgx);
      }
    });
  }

  /** {@code out = gelu_new(x)} element-wise over {@code n} values. */
  public static void gelu(float[] x, float[] out, int n) {
    chunked(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        float v = x[i];
        out[i] = 0.5f * v * (1f + tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
      }
    });
  }

  /**
   * {@code out = gelu_new(x)}, and {@code x} overwritten by {@code gelu_new'(x)}: a training forward
   * pass keeps the derivative, so its backward pass is {@link #mulInPlace} ({@link #geluBackwardInPlace}
   * evaluated tanh a second time and ran 2x the forward's time per value). Same floats as {@link #gelu}
   * and {@link #geluBackwardInPlace}. One implementation under {@code -Dcohort.kernels=scalar} too:
   * that switch compares the element-wise kernels with the loops they replaced, and this pass
   * replaced none.
   */
  public static void geluWithDerivative(float[] x, float[] out, int n) {
    chunked(n, (from, to) -> Kernels.geluWithDerivativeRange(x, out, from, to));
  }

  /** {@code dy[i] *= d[i]} over {@code n} values. */
  public static void mulInPlace(float[] dy, float[] d, int n) {
    chunked(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        dy[i] *= d[i];
      }
    });
  }

  /** {@code dx = dy * gelu_new'(x)} element-wise, in place in {@code dy}. */
  public static void geluBackwardInPlace(float[] x, float[] dy, int n) {
    if (Kernels.VECTORIZED) {
      chunked(n, (from, to) -> Kernels.geluBackwardRange(x, dy, from, to));
      return;
    }
    chunked(n, (from, to) -> geluBackwardRange(x, dy, from, to));
  }

  /**
   * The fused loop (tanh inlined plus the derivative, x and dy at one index) is too large for C2
   * (JDK 17) to vectorise and ran about 15x slower than gelu's forward loop. Here each block of
   * {@value #GELU_BLOCK} values is copied to small local arrays, tanh and the derivative run as two
   * loops whose arrays all share one index (C2 vectorises neither a fused loop nor one mixing
   * {@code x[from + j]} with {@code t[j]}), and dy is copied back. Same expressions, so the results
   * are bit-identical to the fused form.
   */
  private static void geluBackwardRange(float[] x, float[] dy, int from, int to) {
    float[] xs = new float[GELU_BLOCK];
    float[] ds = new float[GELU_BLOCK];
    float[] th = new float[GELU_BLOCK];
    for (int o = from; o < to; o += GELU_BLOCK) {
      int len = Math.min(GELU_BLOCK, to - o);
      System.arraycopy(x, o, xs, 0, len);
      System.arraycopy(dy, o, ds, 0, len);
      for (int j = 0; j < len; j++) {
        float v = xs[j];
        th[j] = tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
      }
      for (int j = 0; j < len; j++) {
        float v = xs[j];
        float t = th[j];
        float vd = Math.max(-GELU_DERIVATIVE_CLAMP, Math.min(GELU_DERIVATIVE_CLAMP, v));
        float d = 0.5f * (1f + t) + 0.5f * vd * (1f - t * t) * SQRT_2_OVER_PI * (1f + 3f * GELU_C * vd * vd);
        ds[j] *= d;
      }
      System.arraycopy(ds, 0, dy, o, len);
    }
  }

  /**
   * tanh in float precision from Eigen's rational approximation (a few ulp); {@link Math#tanh} is a
   * libm call that costs ~25 ns and does not vectorise, which made gelu the slowest kernel.
   */
  public static float tanh(float x) {
    float c = Math.max(-7.90531110763549805f, Math.min(7.90531110763549805f, x));
    float x2 = c * c;
    float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = x2 * p + -8.60467152213735e-11f;
    p = x2 * p + 5.12229709037114e-08f;
    p = x2 * p + 1.48572235717979e-05f;
    p = x2 * p + 6.37261928875436e-04f;
    p = x2 * p + 4.89352455891786e-03f;
    p = c * p;
    float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = x2 * q + 2.26843463243900e-03f;
    q = x2 * q + 4.89352518554385e-03f;
    return p / q;
  }

  /** {@code y[r, :] += bias} for each of {@code rows} rows. */
  public static void fillRows(float[] y, int rows, float[] bias) {
    int w = bias.length;
    Parallel.forEach(rows, w, r -> System.arraycopy(bias, 0, y, r * w, w));
  }

  /** {@code a += b} over the first {@code n} values. */
  public static void addInPlace(float[] a, float[] b, int n) {
    chunked(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        a[i] += b[i];
      }
    });
  }

  interface Range {
    void run(int from, int to);
  }

  /** Runs {@code body} over blocks of whole rows of about 16 k values each, split over {@link Parallel}. */
  static void rowBlocks(int rows, int width, Range body) {
    int per = Math.max(1, (1 << 14) / Math.max(1, width));
    int blocks = (rows + per - 1) / per;
    Parallel.forEach(blocks, (long) per * width, c -> body.run(c * per, Math.min(rows, (c + 1) * per)));
  }

  static void chunked(int n, Range body) {
    int chunk = 1 << 14;
    int chunks = (n + chunk - 1) / chunk;
    Parallel.forEach(chunks, chunk, c -> body.run(c * chunk, Math.min(n, (c + 1) * chunk)));
  }
}
