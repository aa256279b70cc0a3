package io.cohort.lm.model;

/**
 * Element-wise kernels of the training step written so that C2 (JDK 17) turns their loops into
 * AVX-512 / AVX2 instructions: attention's causal softmax and its backward pass, layer norm forward
 * and backward, gelu_new's backward pass (its forward loop, in {@link Ops#gelu}, was already vectorised
 * and stays). Chosen by measurement (docs/benchmarks.md, issue 18, session 7; ElementwiseBenchmark):
 * oneDNN needs the operands off-heap, and with the copies there and back its eltwise gelu backward was
 * slower than these loops, but its softmax beat the Java one, so attention's forward softmax runs on
 * oneDNN where it loads; the JDK Vector API is an incubator module in Java 17 that every launcher
 * would have to add.
 *
 * <p>C2's auto-vectoriser (SuperWord) only handles a loop that is small (it must be unrolled first),
 * has no calls, no branches, no float/int conversions, and whose arrays all share one index
 * expression ({@code a[i]} with {@code b[i]}, not {@code a[o + i]} with {@code b[i]}). So each kernel
 * copies a row or a block of values to thread-local scratch arrays that start at 0, runs a chain of
 * short loops over them, and copies the result back; sums run as four float partial sums.
 *
 * <p>{@code exp} has no {@link Math#exp} (a libm call of ~4–15 ns) and no bit tricks (C2 does not
 * vectorise {@code Float.intBitsToFloat}): x = n ln2 + r by Cody–Waite with n rounded through the
 * 1.5·2^23 trick, Cephes' degree-6 polynomial for e^r, and 2^n built exactly by multiplying
 * 2^-2^k for each set bit k of -n, each bit found with the same rounding trick.
 */
final class Kernels {
  /**
   * On unless {@code -Dcohort.kernels=scalar} (the previous loops, kept for A/B runs). They were
   * opt-in for a while: one full test run had {@code GreedyParityTest}'s tiny-qwen3 KV-cache run pick
   * a wrong token. The cause was elsewhere and is fixed (concurrent widening of a BF16-stored
   * {@link NativeMatrix} moved a shared pointer's position; it failed with these kernels off too,
   * 3 runs in 800), and 400 runs after the fix matched PyTorch (docs/benchmarks.md, session 8).
   */
  static final boolean VECTORIZED = !"scalar".equals(System.getProperty("cohort.kernels"));
  /** Attention's softmax on oneDNN (unless {@code -Dcohort.softmax=java} or oneDNN does not load). */
  private static final boolean ONEDNN_SOFTMAX = DnnlSoftmax.available();

  /** Values per block of a streaming kernel (gelu): the scratch arrays stay in L1. */
  static final int BLOCK = 512;

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  /** Adding then subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer. */
  private static final float ROUND = 12582912f;
  /** Arguments are clamped here: e^-104 rounds to 0 in float, and -104 log2(e) still rounds to an integer >= -150. */
  private static final float EXP_MIN = -104f;
  private static final float SQRT_2_OVER_PI = 0.7978845608028654f;
  private static final float GELU_C = 0.044715f;
  /** See {@link Ops#GELU_DERIVATIVE_CLAMP}. */
  private static final float GELU_DERIVATIVE_CLAMP = Ops.GELU_DERIVATIVE_CLAMP;
  private static final float TANH_CLAMP = 7.90531110763549805f;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Kernels() {
  }

  /** A thread's scratch arrays, grown to the longest row it has seen. */
  static final class Scratch {
    float[] a = new float[BLOCK];
    float[] b = new float[BLOCK];
    float[] c = new float[BLOCK];
    float[] d = new float[BLOCK];

    Scratch ensure(int n) {
      if (a.length < n) {
        a = new float[n];
        b = new float[n];
        c = new float[n];
        d = new float[n];
      }
      return this;
    }
  }

  static Scratch scratch(int n) {
    return SCRATCH.get().ensure(n);
  }

  /**
   * {@code v[j] = e^(v[j] - shift[j])} for {@code 0 <= j < len} where every {@code v[j] <= shift[j]}
   * (a softmax logit and its row's maximum); within 2 ulp of {@link Math#exp} for normal results,
   * exactly 0 for -infinity and below about -103.3 (where the float result is 0), NaN for NaN.
   * {@code m} and {@code s} are scratch of at least {@code len}.
   */
  static void expShifted(float[] v, float[] shift, int len, float[] m, float[] s) {
    for (int j = 0; j < len; j++) {
      v[j] -= shift[j];
    }
    expNonPositive(v, len, m, s);
  }

  /** {@code v[j] = e^v[j]} for {@code v[j] <= 0}, as {@link #expShifted} with no shift. */
  static void expNonPositive(float[] v, int len, float[] m, float[] s) {
    for (int j = 0; j < len; j++) {
      v[j] = Math.max(EXP_MIN, v[j]);
    }
    for (int j = 0; j < len; j++) {
      float x = v[j];
      float n = (x * LOG2E + ROUND) - ROUND;
      m[j] = -n;
      v[j] = x - n * LN2_HI - n * LN2_LO;
    }
    for (int j = 0; j < len; j++) {
      float r = v[j];
      float p = 1.9875691500e-4f;
      p = p * r + 1.3981999507e-3f;
      p = p * r + 8.3334519073e-3f;
      p = p * r + 4.1665795894e-2f;
      p = p * r + 1.6666665459e-1f;
      p = p * r + 5.0000001201e-1f;
      v[j] = p * r * r + r + 1f;
    }
    // -n is an integer in [0, 150]: s = 2^n as the product of 2^-(2^k) over its set bits k, two
    // bits per loop (one bit per loop ran 30 % slower; larger bodies stop C2 from unrolling).
    for (int j = 0; j < len; j++) {
      float mj = m[j];
      float b7 = (mj * 0x1p-7f + (-0.5f + 0x1p-8f) + ROUND) - ROUND;
      mj -= 128f * b7;
      float b6 = (mj * 0x1p-6f + (-0.5f + 0x1p-7f) + ROUND) - ROUND;
      m[j] = mj - 64f * b6;
      float f7 = b7 * 0x1p-64f + (1f - b7); // 2^-128 is subnormal: square 2^-64 instead
      s[j] = f7 * f7 * (b6 * 0x1p-64f + (1f - b6));
    }
    twoBits(m, s, len, 5, 0x1p-32f, 0x1p-16f);
    twoBits(m, s, len, 3, 0x1p-8f, 0x1p-4f);
    for (int j = 0; j < len; j++) {
      float mj = m[j];
      float b1 = (mj * 0.5f + (-0.5f + 0.25f) + ROUND) - ROUND;
      float b0 = mj - 2f * b1;
      v[j] *= s[j] * ((b1 * 0.25f + (1f - b1)) * (b0 * 0.5f + (1f - b0)));
    }
  }

  /**
   * Where {@code m[j] < 2^(k+1)}: takes bits k and k-1 off {@code m[j]} and multiplies {@code s[j]}
   * by {@code hi} and {@code lo} for those that are set. {@code floor(m / 2^k)} of an integer m is
   * {@code round(m / 2^k - 1/2 + 2^-(k+1))}, never a rounding tie.
   */
  private static void twoBits(float[] m, float[] s, int len, int k, float hi, float lo) {
    float stepHi = 1 << k;
    float invHi = 1f / stepHi;
    float biasHi = -0.5f + 0.5f * invHi;
    float stepLo = 1 << (k - 1);
    float invLo = 1f / stepLo;
    float biasLo = -0.5f + 0.5f * invLo;
    for (int j = 0; j < len; j++) {
      float mj = m[j];
      float bh = (mj * invHi + biasHi + ROUND) - ROUND;
      mj -= stepHi * bh;
      float bl = (mj * invLo + biasLo + ROUND) - ROUND;
      m[j] = mj - stepLo * bl;
      s[j] *= (bh * hi + (1f - bh)) * (bl * lo + (1f - bl));
    }
  }

  /**
   * Causal softmax over the {@code t x t} score block at {@code s[o ..]}: row r over its first r + 1
   * entries, zeros after. On oneDNN's JIT softmax where it loads (the block copied off-heap with -inf
   * above the diagonal and back: 1.5-2x faster than the Java loops below, ElementwiseBenchmark), else
   * in Java: rows are packed into a scratch chunk of at most {@link #BLOCK} values (or one
   * longer row) so that the exponential runs as long vector loops, not one short loop per row.
   */
  static void softmaxCausalBlock(float[] s, int o, int t) {
    if (ONEDNN_SOFTMAX) {
      for (int r = 0; r < t; r++) {
        java.util.Arrays.fill(s, o + r * t + r + 1, o + (r + 1) * t, Float.NEGATIVE_INFINITY);
      }
      DnnlSoftmax.block(s, o / t, t, t).copyProbabilitiesBack();
      return;
    }
    javaSoftmaxCausalBlock(s, o, t);
  }

  /** {@link #softmaxCausalBlock} in Java: the path without oneDNN (or under {@code -Dcohort.softmax=java}). */
  static void javaSoftmaxCausalBlock(float[] s, int o, int t) {
    Scratch w = scratch(Math.max(BLOCK, t));
    float[] v = w.a;
    float[] shift = w.d;
    int row = 0;
    while (row < t) {
      int end = row + 1;
      int len = end;
      while (end < t && len + end + 1 <= BLOCK) {
        len += end + 1;
        end++;
      }
      int pos = 0;
      for (int r = row; r < end; r++) {
        int n = r + 1;
        System.arraycopy(s, o + r * t, v, pos, n);
        java.util.Arrays.fill(shift, pos, pos + n, max(v, pos, n));
        pos += n;
      }
      expShifted(v, shift, len, w.b, w.c);
      pos = 0;
      for (int r = row; r < end; r++) {
        int n = r + 1;
        java.util.Arrays.fill(shift, pos, pos + n, 1f / sum(v, pos, n));
        pos += n;
      }
      for (int j = 0; j < len; j++) {
        v[j] *= shift[j];
      }
      pos = 0;
      for (int r = row; r < end; r++) {
        int n = r + 1;
        System.arraycopy(v, pos, s, o + r * t, n);
        java.util.Arrays.fill(s, o + r * t + n, o + (r + 1) * t, 0f);
        pos += n;
      }
      row = end;
    }
  }

  /** Softmax over {@code s[o .. o + last]} in place, zeros over {@code s[o + last + 1 .. o + t)}: one causal row. */
  static void softmaxCausalRow(float[] s, int o, int last, int t) {
    int len = last + 1;
    Scratch w = scratch(len);
    float[] v = w.a;
    System.arraycopy(s, o, v, 0, len);
    java.util.Arrays.fill(w.d, 0, len, max(v, 0, len));
    expShifted(v, w.d, len, w.b, w.c);
    float inv = 1f / sum(v, 0, len);
    for (int j = 0; j < len; j++) {
      v[j] *= inv;
    }
    System.arraycopy(v, 0, s, o, len);
    java.util.Arrays.fill(s, o + len, o + t, 0f);
  }

  /**
   * {@code dS = p * (dS - sum(p * dS))} over one causal row in place, zero above the diagonal. The
   * second loop vectorises as it is (both arrays at {@code o + j}); the dot product runs as four
   * float partial sums instead of one double sum (a conversion per value, one long dependency chain).
   */
  static void softmaxCausalRowBackward(float[] p, float[] dS, int o, int last, int t) {
    int len = last + 1;
    float d0 = 0f;
    float d1 = 0f;
    float d2 = 0f;
    float d3 = 0f;
    int j = 0;
    for (; j + 4 <= len; j += 4) {
      d0 += p[o + j] * dS[o + j];
      d1 += p[o + j + 1] * dS[o + j + 1];
      d2 += p[o + j + 2] * dS[o + j + 2];
      d3 += p[o + j + 3] * dS[o + j + 3];
    }
    for (; j < len; j++) {
      d0 += p[o + j] * dS[o + j];
    }
    float d = (d0 + d1) + (d2 + d3);
    for (j = 0; j < len; j++) {
      dS[o + j] = p[o + j] * (dS[o + j] - d);
    }
    java.util.Arrays.fill(dS, o + len, o + t, 0f);
  }

  /** Largest of {@code v[from .. from + len)}; NaN loses to numbers, as in the loop it replaces. */
  static float max(float[] v, int from, int len) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = from; j < from + len; j++) {
      float x = v[j];
      max = x > max ? x : max;
    }
    return max;
  }

  /** Sum of {@code v[0 .. len)} as four interleaved float partial sums. */
  static float sum(float[] v, int len) {
    return sum(v, 0, len);
  }

  /** Sum of {@code v[from .. from + len)} as four interleaved float partial sums. */
  static float sum(float[] v, int from, int len) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int j = from;
    int end = from + len;
    for (; j + 4 <= end; j += 4) {
      s0 += v[j];
      s1 += v[j + 1];
      s2 += v[j + 2];
      s3 += v[j + 3];
    }
    for (; j < end; j++) {
      s0 += v[j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * Layer norm of row {@code r} of {@code x} (see {@link Ops#layerNorm}). Sums run in float, so the
   * mean is corrected by the mean of the deviations from it (the corrected two-pass algorithm): a row
   * far from zero (say 1e4 + N(0, 1)) keeps the accuracy that double sums gave.
   */
  static void layerNormRow(float[] x, int r, int width, float[] gamma, float[] beta, float eps, float[] out,
      float[] mean, float[] rstd) {
    layerNormRow(x, r, width, gamma, beta, eps, out, mean, rstd, scratch(width));
  }

  private static void layerNormRow(float[] x, int r, int width, float[] gamma, float[] beta, float eps, float[] out,
      float[] mean, float[] rstd, Scratch w) {
    int o = r * width;
    float[] xs = w.a;
    float[] sq = w.c;
    System.arraycopy(x, o, xs, 0, width);
    float mu0 = sum(xs, width) / width;
    // The deviations' sum and sum of squares in one pass, four partial sums each (eight independent
    // add chains: C2 keeps float reductions scalar and in order, so chains, not lanes, set the pace).
    float c0 = 0f;
    float c1 = 0f;
    float c2 = 0f;
    float c3 = 0f;
    float q0 = 0f;
    float q1 = 0f;
    float q2 = 0f;
    float q3 = 0f;
    int i = 0;
    for (; i + 4 <= width; i += 4) {
      float d0 = xs[i] - mu0;
      float d1 = xs[i + 1] - mu0;
      float d2 = xs[i + 2] - mu0;
      float d3 = xs[i + 3] - mu0;
      c0 += d0;
      c1 += d1;
      c2 += d2;
      c3 += d3;
      q0 += d0 * d0;
      q1 += d1 * d1;
      q2 += d2 * d2;
      q3 += d3 * d3;
    }
    for (; i < width; i++) {
      float d = xs[i] - mu0;
      c0 += d;
      q0 += d * d;
    }
    float c = ((c0 + c1) + (c2 + c3)) / width;
    float mu = mu0 + c;
    float var = Math.max(0f, ((q0 + q1) + (q2 + q3)) / width - c * c);
    float rs = (float) (1.0 / Math.sqrt(var + eps));
    mean[r] = mu;
    rstd[r] = rs;
    for (int j = 0; j < width; j++) {
      sq[j] = (xs[j] - mu) * rs * gamma[j] + beta[j];
    }
    System.arraycopy(sq, 0, out, o, width);
  }

  /** Layer norm of rows {@code [from, to)}, with one look-up of the thread's scratch (narrow rows). */
  static void layerNormRows(float[] x, int from, int to, int width, float[] gamma, float[] beta, float eps,
      float[] out, float[] mean, float[] rstd) {
    Scratch w = scratch(width);
    for (int r = from; r < to; r++) {
      layerNormRow(x, r, width, gamma, beta, eps, out, mean, rstd, w);
    }
  }

  /** Layer norm's backward pass over rows {@code [from, to)}, with one look-up of the thread's scratch. */
  static void layerNormBackwardRows(float[] dy, float[] x, int from, int to, int width, float[] gamma,
      float[] mean, float[] rstd, float[] dx) {
    Scratch w = scratch(width);
    for (int r = from; r < to; r++) {
      layerNormBackwardRow(dy, x, r, width, gamma, mean, rstd, dx, w);
    }
  }

  /** Row {@code r} of layer norm's backward pass, added to {@code dx} (see {@link Ops#layerNormBackward}). */
  static void layerNormBackwardRow(float[] dy, float[] x, int r, int width, float[] gamma, float[] mean,
      float[] rstd, float[] dx) {
    layerNormBackwardRow(dy, x, r, width, gamma, mean, rstd, dx, scratch(width));
  }

  private static void layerNormBackwardRow(float[] dy, float[] x, int r, int width, float[] gamma, float[] mean,
      float[] rstd, float[] dx, Scratch w) {
    int o = r * width;
    float[] g = w.a;
    float[] xh = w.b;
    float[] gx = w.c;
    float[] dxs = w.d;
    System.arraycopy(dy, o, g, 0, width);
    System.arraycopy(x, o, xh, 0, width);
    System.arraycopy(dx, o, dxs, 0, width);
    float mu = mean[r];
    float rs = rstd[r];
    for (int i = 0; i < width; i++) {
      float gi = g[i] * gamma[i];
      float xi = (xh[i] - mu) * rs;
      g[i] = gi;
      xh[i] = xi;
      gx[i] = gi * xi;
    }
    float mg = sum(g, width) / width;
    float mgx = sum(gx, width) / width;
    for (int i = 0; i < width; i++) {
      dxs[i] += rs * (g[i] - mg - xh[i] * mgx);
    }
    System.arraycopy(dxs, 0, dx, o, width);
  }

  /** {@code dy[from, to) *= gelu_new'(x[from, to))}, block by block through scratch. */
  static void geluBackwardRange(float[] x, float[] dy, int from, int to) {
    Scratch w = scratch(BLOCK);
    float[] xs = w.a;
    float[] ds = w.b;
    float[] th = w.c;
    for (int o = from; o < to; o += BLOCK) {
      int len = Math.min(BLOCK, to - o);
      System.arraycopy(x, o, xs, 0, len);
      System.arraycopy(dy, o, ds, 0, len);
      tanhOfGeluArgument(xs, th, len);
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
   * {@code g = gelu_new(x)} over {@code [from, to)}, and {@code x} overwritten by {@code gelu_new'(x)}
   * (training's forward pass keeps the derivative for the backward pass instead of the input, so
   * tanh is evaluated once per value, not once per pass). The same expressions as {@link Ops#gelu}
   * and {@link #geluBackwardRange}, so the same floats; blocks through scratch as there.
   */
  static void geluWithDerivativeRange(float[] x, float[] g, int from, int to) {
    Scratch w = scratch(BLOCK);
    float[] xs = w.a;
    float[] gs = w.b;
    float[] th = w.c;
    float[] ds = w.d;
    for (int o = from; o < to; o += BLOCK) {
      int len = Math.min(BLOCK, to - o);
      System.arraycopy(x, o, xs, 0, len);
      tanhOfGeluArgument(xs, th, len);
      for (int j = 0; j < len; j++) {
        float v = xs[j];
        float t = th[j];
        gs[j] = 0.5f * v * (1f + t);
        float vd = Math.max(-GELU_DERIVATIVE_CLAMP, Math.min(GELU_DERIVATIVE_CLAMP, v));
        ds[j] = 0.5f * (1f + t) + 0.5f * vd * (1f - t * t) * SQRT_2_OVER_PI * (1f + 3f * GELU_C * vd * vd);
      }
      System.arraycopy(gs, 0, g, o, len);
      System.arraycopy(ds, 0, x, o, len);
    }
  }

  /**
   * {@code th[j] = tanh(sqrt(2/pi) (x + 0.044715 x^3))} with {@link Ops#tanh}'s rational
   * approximation written out (C2 does not always inline a call inside a loop, and then the loop
   * stays scalar); the same expressions, so the same floats.
   */
  private static void tanhOfGeluArgument(float[] xs, float[] th, int len) {
    for (int j = 0; j < len; j++) {
      float v = xs[j];
      float c = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
      th[j] = c;
    }
    for (int j = 0; j < len; j++) {
      float c = th[j];
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
      th[j] = p / q;
    }
  }

  /**
   * SwiGLU, {@code a[i] = silu(g[i]) * u[i]} for {@code from <= i < to} (the Llama MLP's gate). The
   * sigmoid takes its exponential at {@code -|g|} only (never overflows): {@code sp = 1 / (1 + e)} is
   * sigmoid(|g|) and {@code sn = e sp} sigmoid(-|g|), chosen by a weight that is 1 for g > 2^-60 and
   * 0 for g < -2^-60 (between them both are 1/2), so no branch stops C2 vectorising the loop.
   */
  static void swiGlu(float[] g, float[] u, float[] a, int from, int to) {
    Scratch w = scratch(BLOCK);
    for (int o = from; o < to; o += BLOCK) {
      int len = Math.min(BLOCK, to - o);
      float[] x = w.a;
      float[] sig = w.b;
      System.arraycopy(g, o, x, 0, len);
      sigmoid(x, sig, len, w.c, w.d);
      for (int j = 0; j < len; j++) {
        sig[j] *= x[j];
      }
      System.arraycopy(sig, 0, a, o, len);
    }
    for (int i = from; i < to; i++) {
      a[i] *= u[i];
    }
  }

  /**
   * SwiGLU's backward pass for {@code from <= i < to}: {@code du = da silu(g)} and
   * {@code dg = da u sigmoid(g) (1 + g (1 - sigmoid(g)))}, sigmoid as in {@link #swiGlu}.
   */
  static void swiGluBackward(float[] g, float[] u, float[] da, float[] dg, float[] du, int from, int to) {
    Scratch w = scratch(BLOCK);
    for (int o = from; o < to; o += BLOCK) {
      int len = Math.min(BLOCK, to - o);
      float[] x = w.a;
      float[] sig = w.b;
      float[] silu = w.c;
      float[] slope = w.d;
      System.arraycopy(g, o, x, 0, len);
      sigmoid(x, sig, len, silu, slope);
      for (int j = 0; j < len; j++) {
        float sj = sig[j];
        silu[j] = x[j] * sj;
        slope[j] = sj * (1f + x[j] * (1f - sj));
      }
      System.arraycopy(silu, 0, du, o, len);
      System.arraycopy(slope, 0, dg, o, len);
    }
    for (int i = from; i < to; i++) {
      du[i] *= da[i];
      dg[i] *= da[i] * u[i];
    }
  }

  /** {@code sig[j] = 1 / (1 + e^-x[j])} without overflow (see {@link #swiGlu}); m and s are scratch. */
  private static void sigmoid(float[] x, float[] sig, int len, float[] m, float[] s) {
    for (int j = 0; j < len; j++) {
      sig[j] = -Math.abs(x[j]);
    }
    expNonPositive(sig, len, m, s);
    for (int j = 0; j < len; j++) {
      float e = sig[j];
      float sp = 1f / (1f + e);
      float sn = e * sp;
      float positive = Math.min(1f, Math.max(0f, x[j] * 0x1p60f));
      sig[j] = sn + positive * (sp - sn);
    }
  }
}
