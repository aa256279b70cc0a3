package io.cohort.crypto.dp.distributed;

/**
 * The server's side (Kairouz, Liu and Steinke 2021, Algorithm 2): from the unmasked modular sum of
 * the nodes' words, map each coordinate to the centred representative in [-m/2, m/2), undo the
 * scale and the rotation, and divide by the public expected batch size (the DP-SGD estimator of
 * the average gradient with a fixed, data-independent denominator). Pure post-processing: it
 * costs no privacy. Stateless and thread-safe.
 */
public final class DistributedDpDecoder {
  private DistributedDpDecoder() {}

  /** The centred sum in integer units (length D). {@code words} may be the Z_2^32 sum. */
  public static long[] centredSum(DistributedDpParameters p, int[] words) {
    if (words.length != p.paddedDimension()) {
      throw new IllegalArgumentException("sum has " + words.length + " words, expected " + p.paddedDimension());
    }
    long m = p.modulus();
    long mask = m - 1;
    long[] out = new long[words.length];
    for (int i = 0; i < words.length; i++) {
      long v = words[i] & mask;
      out[i] = v >= m / 2 ? v - m : v;
    }
    return out;
  }

  /** The noisy sum of the units' clipped gradients, in model units (length d). */
  public static double[] noisySum(DistributedDpParameters p, byte[] rotationSeed, int[] words) {
    long[] c = centredSum(p, words);
    double[] y = new double[c.length];
    for (int i = 0; i < c.length; i++) {
      y[i] = c[i] / p.scale();
    }
    return new RandomizedHadamard(p.dimension(), rotationSeed).inverse(y);
  }

  /** The noisy average gradient: {@link #noisySum} divided by the public expected batch size. */
  public static double[] noisyAverage(DistributedDpParameters p, byte[] rotationSeed, int[] words) {
    double[] s = noisySum(p, rotationSeed, words);
    for (int i = 0; i < s.length; i++) {
      s[i] /= p.expectedBatchSize();
    }
    return s;
  }
}
