package io.cohort.crypto.dp.distributed;

import io.cohort.crypto.Digests;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The flattening rotation of Kairouz, Liu and Steinke (2021), Section 4.2: x -> H D_xi x, with
 * x zero-padded to the power of two D >= d, D_xi a diagonal of random signs and H the Walsh–Hadamard
 * matrix normalised by 1/sqrt(D), so the map is orthogonal (norms are kept) and its inverse is
 * D_xi H. After it, each coordinate of a fixed vector x is a Rademacher sum, sub-Gaussian with
 * variance proxy ||x||^2 / D, which is what lets a small ring hold the sum without wrapping.
 *
 * <p>The signs are public: every node and the server derive them from the round's shared seed
 * (SHA-256 in counter mode over the seed, 256 signs a block), so they are reproducible in any
 * language. They are not secret and play no part in the privacy guarantee, only in the
 * wrap-around (utility) bound; they must not be chosen after seeing the data.
 */
public final class RandomizedHadamard {
  private final int d;
  private final int paddedD;
  private final boolean[] negative;

  public RandomizedHadamard(int d, byte[] seed) {
    if (d < 1 || d > (1 << 30)) {
      throw new IllegalArgumentException("dimension must be in [1, 2^30], got " + d);
    }
    this.d = d;
    this.paddedD = paddedDimension(d);
    this.negative = signs(paddedD, seed);
  }

  /** The smallest power of two >= d. */
  public static int paddedDimension(int d) {
    return d <= 1 ? 1 : Integer.highestOneBit(d - 1) << 1;
  }

  public int dimension() {
    return d;
  }

  public int paddedDimension() {
    return paddedD;
  }

  /** H D_xi (x padded with zeros): D doubles. */
  public double[] forward(float[] x) {
    if (x.length != d) {
      throw new IllegalArgumentException("vector has " + x.length + " coordinates, expected " + d);
    }
    double[] y = new double[paddedD];
    for (int i = 0; i < d; i++) {
      y[i] = negative[i] ? -x[i] : x[i];
    }
    fwht(y);
    return y;
  }

  /** The inverse (D_xi H y), truncated to the first d coordinates. */
  public double[] inverse(double[] y) {
    if (y.length != paddedD) {
      throw new IllegalArgumentException("vector has " + y.length + " coordinates, expected " + paddedD);
    }
    double[] x = y.clone();
    fwht(x);
    double[] out = new double[d];
    for (int i = 0; i < d; i++) {
      out[i] = negative[i] ? -x[i] : x[i];
    }
    return out;
  }

  /** In-place normalised fast Walsh–Hadamard transform (H = H^T = H^-1 once normalised). */
  static void fwht(double[] a) {
    int n = a.length;
    for (int h = 1; h < n; h <<= 1) {
      for (int i = 0; i < n; i += h << 1) {
        for (int j = i; j < i + h; j++) {
          double u = a[j];
          double v = a[j + h];
          a[j] = u + v;
          a[j + h] = u - v;
        }
      }
    }
    double norm = 1 / Math.sqrt(n);
    for (int i = 0; i < n; i++) {
      a[i] *= norm;
    }
  }

  private static boolean[] signs(int n, byte[] seed) {
    boolean[] neg = new boolean[n];
    byte[] prefix = ("cohort-ddp-rotation:" + seed.length + ":").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int block = 0; block * 256 < n; block++) {
      ByteBuffer in = ByteBuffer.allocate(prefix.length + seed.length + 8);
      in.put(prefix).put(seed).putLong(block);
      byte[] h = Digests.sha256(in.array());
      for (int k = 0; k < 256 && block * 256 + k < n; k++) {
        neg[block * 256 + k] = ((h[k >>> 3] >>> (k & 7)) & 1) == 1;
      }
      Arrays.fill(in.array(), (byte) 0);
    }
    return neg;
  }
}
