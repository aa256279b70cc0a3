package io.cohort.crypto.dp.internal;

/** Linear convolution of non-negative real sequences by an iterative radix-2 complex FFT. */
final class Fft {
  private Fft() {}

  /** The linear convolution of a and b (length a.length + b.length - 1); tiny negatives clamped to 0. */
  static double[] convolve(double[] a, double[] b) {
    int outLen = a.length + b.length - 1;
    if ((long) a.length * b.length <= 4096) {
      double[] out = new double[outLen];
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < b.length; j++) {
          out[i + j] += a[i] * b[j];
        }
      }
      return out;
    }
    int n = Integer.highestOneBit(outLen - 1) << 1;
    double[] re = new double[n];
    double[] im = new double[n];
    // Pack a in the real part and b in the imaginary part: one forward transform for both.
    System.arraycopy(a, 0, re, 0, a.length);
    System.arraycopy(b, 0, im, 0, b.length);
    transform(re, im, false);
    double[] pr = new double[n];
    double[] pi = new double[n];
    for (int k = 0; k < n; k++) {
      int m = (n - k) & (n - 1);
      // A_k = (Z_k + conj Z_{n-k}) / 2, B_k = (Z_k - conj Z_{n-k}) / 2i
      double ar = 0.5 * (re[k] + re[m]);
      double ai = 0.5 * (im[k] - im[m]);
      double br = 0.5 * (im[k] + im[m]);
      double bi = -0.5 * (re[k] - re[m]);
      pr[k] = ar * br - ai * bi;
      pi[k] = ar * bi + ai * br;
    }
    transform(pr, pi, true);
    double[] out = new double[outLen];
    for (int i = 0; i < outLen; i++) {
      out[i] = Math.max(0, pr[i] / n);
    }
    return out;
  }

  private static void transform(double[] re, double[] im, boolean inverse) {
    int n = re.length;
    for (int i = 1, j = 0; i < n; i++) {
      int bit = n >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j ^= bit;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (int len = 2; len <= n; len <<= 1) {
      double ang = 2 * Math.PI / len * (inverse ? 1 : -1);
      int half = len >> 1;
      // Twiddles computed directly (not by repeated multiplication) to keep rounding at 1 ulp.
      double[] wr = new double[half];
      double[] wi = new double[half];
      for (int k = 0; k < half; k++) {
        wr[k] = Math.cos(ang * k);
        wi[k] = Math.sin(ang * k);
      }
      for (int i = 0; i < n; i += len) {
        for (int k = 0; k < half; k++) {
          int u = i + k;
          int v = u + half;
          double xr = re[v] * wr[k] - im[v] * wi[k];
          double xi = re[v] * wi[k] + im[v] * wr[k];
          re[v] = re[u] - xr;
          im[v] = im[u] - xi;
          re[u] += xr;
          im[u] += xi;
        }
      }
    }
  }
}
