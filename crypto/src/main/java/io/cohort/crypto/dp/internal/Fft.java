package io.cohort.crypto.dp.internal;

/**
 * In-place iterative radix-2 complex FFT of one power-of-two length, with a precomputed twiddle
 * table, and a componentwise bound on its rounding error.
 *
 * <p>Error bound ({@link #errorBound}): every butterfly computes a + w b from two partial
 * transforms a and b; with twiddles accurate to mu (|w_computed - w| <= mu) and complex
 * arithmetic accurate to sqrt(2) gamma_2 (Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., 2002, Lemma 3.5 and section 24.1), the new error is at most the two old
 * errors plus eta (|a| + |b|), with eta = mu + (1 + sqrt 2 * 2) u (1 + O(u)) about 9.2u here. A
 * partial transform over a sub-sequence has modulus at most that sub-sequence's l1 norm, so by
 * induction over the log2(n) stages every output coefficient is within log2(n) eta ||x||_1
 * (1 + O(log2(n) eta)) of the exact DFT. We take eta = {@link #STAGE_ERROR} = 2e-15 (about 18u,
 * twice the derivation) and a factor 1.01 for the higher-order term. The unnormalised inverse has
 * the same bound.
 *
 * <p>Twiddles: cos and sin are evaluated only on [0, pi/4] (argument 2 pi k / n, relative error
 * about 1.5u; {@code Math.cos}/{@code Math.sin} are within 1 ulp) and extended by exact
 * symmetries, so mu is about 3u.
 *
 * <p>Not thread-safe in use of caller arrays; the instance itself is immutable.
 */
final class Fft {
  /** Per-stage relative rounding error eta used by {@link #errorBound} (see the class comment). */
  static final double STAGE_ERROR = 2e-15;
  /** Points per cache block (2 x 64 KiB of doubles: fits in L2). */
  private static final int BLOCK = 1 << 12;
  private final int n;
  private final int log2n;
  /** cos and -sin of 2 pi k / n for k in [0, n/2): the forward twiddles. */
  private final double[] cos;
  private final double[] sin;

  /** A transform of length {@code n}, a power of two >= 2. */
  Fft(int n) {
    if (n < 2 || Integer.bitCount(n) != 1) {
      throw new IllegalArgumentException("FFT length must be a power of two >= 2, got " + n);
    }
    this.n = n;
    this.log2n = Integer.numberOfTrailingZeros(n);
    int half = n / 2;
    cos = new double[half];
    sin = new double[half];
    int quarter = n / 4;
    int eighth = n / 8;
    for (int k = 0; k <= Math.min(eighth, half - 1); k++) {
      double a = 2 * Math.PI * ((double) k / n);
      cos[k] = Math.cos(a);
      sin[k] = Math.sin(a);
    }
    // Exact symmetries: cos(pi/2 - x) = sin x, and cos(pi - x) = -cos x, sin(pi - x) = sin x.
    for (int k = eighth + 1; k <= quarter && k < half; k++) {
      cos[k] = sin[quarter - k];
      sin[k] = cos[quarter - k];
    }
    for (int k = quarter + 1; k < half; k++) {
      cos[k] = -cos[half - k];
      sin[k] = sin[half - k];
    }
  }

  int length() {
    return n;
  }

  int log2Length() {
    return log2n;
  }

  /**
   * A bound on |computed - exact| for every coefficient of a transform (forward, or inverse
   * without the 1/n) of an input whose l1 norm (sum of complex moduli) is at most {@code l1}.
   */
  double errorBound(double l1) {
    return 1.01 * log2n * STAGE_ERROR * l1;
  }

  /**
   * One DFT coefficient X_k = sum_j x_j e^(-2 pi i j k / n) of a non-negative sequence of any
   * length (j taken mod n), summed directly with Kahan's compensated summation (Higham 2002,
   * Thm 4.8) in two interleaved chains per part (latency, not arithmetic, bounds one chain),
   * into {@code out} (re, im). Its error is below
   * {@link #directErrorBound}: about 12u ||x||_1 against the FFT's 1.01 log2(n) 18u ||x||_1, for use
   * where that error gets amplified.
   */
  void directCoefficient(double[] x, int k, double[] out) {
    int mask = n - 1;
    int half = n / 2;
    double[] c = cos;
    double[] s = sin;
    // Chains a, b, c, d: sums (s) and compensations (e) for the real (r) and imaginary (i) parts.
    double sa = 0;
    double ea = 0;
    double sb = 0;
    double eb = 0;
    double ta = 0;
    double fa = 0;
    double tb = 0;
    double fb = 0;
    int len = x.length;
    int j = 0;
    for (; j + 1 < len; j += 2) {
      int t0 = (int) (((long) j * k) & mask);
      int t1 = (int) (((long) (j + 1) * k) & mask);
      double v0 = x[j];
      double v1 = x[j + 1];
      double wr0 = t0 < half ? c[t0] : -c[t0 - half];
      double wi0 = t0 < half ? -s[t0] : s[t0 - half];
      double wr1 = t1 < half ? c[t1] : -c[t1 - half];
      double wi1 = t1 < half ? -s[t1] : s[t1 - half];
      double y = v0 * wr0 - ea;
      double t = sa + y;
      ea = (t - sa) - y;
      sa = t;
      y = v1 * wr1 - eb;
      t = sb + y;
      eb = (t - sb) - y;
      sb = t;
      y = v0 * wi0 - fa;
      t = ta + y;
      fa = (t - ta) - y;
      ta = t;
      y = v1 * wi1 - fb;
      t = tb + y;
      fb = (t - tb) - y;
      tb = t;
    }
    if (j < len) {
      int t0 = (int) (((long) j * k) & mask);
      double y = x[j] * (t0 < half ? c[t0] : -c[t0 - half]) - ea;
      double t = sa + y;
      ea = (t - sa) - y;
      sa = t;
      y = x[j] * (t0 < half ? -s[t0] : s[t0 - half]) - fa;
      t = ta + y;
      fa = (t - ta) - y;
      ta = t;
    }
    // Each chain's value is its sum minus its compensation; two more roundings, 2u l1 at most.
    out[0] = (sa - ea) + (sb - eb);
    out[1] = (ta - fa) + (tb - fb);
  }

  /**
   * Bound on the error of {@link #directCoefficient} for a sequence of {@code len} terms with
   * l1 norm at most {@code l1}: per term the twiddle (about 2.5u) and product (sqrt(2) u)
   * errors, Kahan's (2u + O(len u^2)) per component in each chain, the chains' compensations
   * and their sum (3u); rounded up to (12u + 8 len u^2) l1.
   */
  static double directErrorBound(double l1, int len) {
    double u = 0x1.0p-53;
    return (12 * u + 8 * len * u * u) * l1;
  }

  /** X_k = sum_j x_j e^(-2 pi i j k / n), in place. */
  void forward(double[] re, double[] im) {
    transform(re, im, -1);
  }

  /** x_j = sum_k X_k e^(+2 pi i j k / n), in place, NOT divided by n. */
  void inverseUnscaled(double[] re, double[] im) {
    transform(re, im, 1);
  }

  private void transform(double[] re, double[] im, int sign) {
    if (re.length != n || im.length != n) {
      throw new IllegalArgumentException("arrays must have length " + n);
    }
    bitReverse(re, im);
    // Cache blocking: the stages with len <= BLOCK touch only aligned blocks of BLOCK points, so
    // each block runs through all of them while it is in cache (one pass over memory, not ~12).
    int block = Math.min(n, BLOCK);
    for (int start = 0; start < n; start += block) {
      for (int len = 2; len <= block; len <<= 1) {
        stage(re, im, sign, len, start, start + block);
      }
    }
    for (int len = block << 1; len <= n; len <<= 1) {
      stage(re, im, sign, len, 0, n);
    }
  }

  /** The butterflies of span {@code len} on [from, to) (a multiple of len). */
  private void stage(double[] re, double[] im, int sign, int len, int from, int to) {
    int half = len >> 1;
    int step = n / len;
    for (int i = from; i < to; i += len) {
      for (int k = 0, t = 0; k < half; k++, t += step) {
        double wr = cos[t];
        double wi = sign * sin[t];
        int u = i + k;
        int v = u + half;
        double xr = re[v] * wr - im[v] * wi;
        double xi = re[v] * wi + im[v] * wr;
        re[v] = re[u] - xr;
        im[v] = im[u] - xi;
        re[u] += xr;
        im[u] += xi;
      }
    }
  }

  private void bitReverse(double[] re, double[] im) {
    int shift = 32 - log2n;
    for (int i = 1; i < n; i++) {
      int j = Integer.reverse(i) >>> shift;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
  }
}
