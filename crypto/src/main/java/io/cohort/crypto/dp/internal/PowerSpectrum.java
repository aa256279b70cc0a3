package io.cohort.crypto.dp.internal;

import java.util.Arrays;
import java.util.List;

/**
 * The inverse DFT of prod_s X_s^(m_s), where X_s is the length-n DFT of one-step PLD s and m_s
 * its step count, with a rigorous bound R on the l1 distance between the computed and the exact
 * result (the circular composition). Used by {@link FourierComposition}.
 *
 * <p>The bound is assembled per frequency k in [0, n/2] (the rest by Hermitian symmetry):
 *
 * <ul>
 *   <li>X_s,k is taken from a forward FFT (two real sequences packed in one complex transform),
 *       off by at most {@link Fft#errorBound}; where that error would be amplified (m rho^(m-1)
 *       eta above {@link #DIRECT_THRESHOLD}, i.e. the few low frequencies with |X| near 1), X_s,k
 *       is recomputed by a compensated direct sum, off by at most {@link Fft#directErrorBound},
 *       25 to 35 times less (for n = 2^17 to 2^22).
 *   <li>|X^m - Xc^m| <= m rho^(m-1) |X - Xc| (mean value theorem), rho bounding both moduli; the
 *       polar power exp(m log r), m arg adds about 33 m u (|log r| + pi + 1) relative.
 *   <li>Products over segments: |Yc Gc - Y G| <= |Yc - Y| |G| + |Y| |Gc - G| + 3u |Y| |G|, with
 *       running bounds on the moduli.
 *   <li>Back to losses: ||y - yc||_1 <= sqrt(n) ||y - yc||_2 = ||Y - Yc||_2 (Parseval), plus the
 *       inverse FFT's own error, at most log2(n) eta ||Yc||_1 in l1.
 * </ul>
 */
final class PowerSpectrum {
  private static final double U = 0x1.0p-53;
  /** Per-frequency FFT-error contribution above which X_k is recomputed directly. */
  static final double DIRECT_THRESHOLD = 1e-13;
  /** At most this many directly recomputed frequencies per segment (each costs one pass over the PLD). */
  private static final int MAX_DIRECT = 4096;
  private final double[] values;
  private final double roundingL1;

  private PowerSpectrum(double[] values, double roundingL1) {
    this.values = values;
    this.roundingL1 = roundingL1;
  }

  /** The real part of the unscaled inverse DFT (divide by n for the masses). */
  double[] values() {
    return values;
  }

  /** Bound on the l1 distance between {@code values()/n} and the exact circular composition. */
  double roundingL1() {
    return roundingL1;
  }

  static PowerSpectrum of(List<DiscretePld> steps, long[] counts, Fft fft) {
    int n = fft.length();
    int half = n / 2;
    double[] yr = new double[n];
    double[] yi = new double[n];
    // Per frequency k in [0, n/2]: bound on |Y| and |Yc| (exact and computed), and on |Y - Yc|.
    double[] bound = new double[half + 1];
    double[] err = new double[half + 1];
    Arrays.fill(yr, 0, half + 1, 1.0);
    Arrays.fill(bound, 1.0);
    double[] zr = new double[n];
    double[] zi = new double[n];
    for (int s = 0; s < steps.size(); s += 2) {
      // Two real sequences per complex transform: a in the real part, b in the imaginary part.
      DiscretePld a = steps.get(s);
      DiscretePld b = s + 1 < steps.size() ? steps.get(s + 1) : null;
      Arrays.fill(zr, 0);
      Arrays.fill(zi, 0);
      double l1 = wrap(a, zr, n) + (b == null ? 0 : wrap(b, zi, n));
      fft.forward(zr, zi);
      // Folding a long support into n slots adds up to ceil(len / n) roundings per slot.
      int folds = (Math.max(a.mass.length, b == null ? 0 : b.mass.length) + n - 1) / n;
      double eta = fft.errorBound(l1) + (4 + folds) * U * l1;
      new Factor(fft, zr, zi, true, a, counts[s], eta).multiplyInto(yr, yi, bound, err);
      if (b != null) {
        new Factor(fft, zr, zi, false, b, counts[s + 1], eta).multiplyInto(yr, yi, bound, err);
      }
    }
    double l1Y = 0;
    double l2Err = 0;
    for (int k = 0; k <= half; k++) {
      double w = k == 0 || k == half ? 1 : 2;
      l1Y += w * Math.sqrt(yr[k] * yr[k] + yi[k] * yi[k]);
      l2Err += w * err[k] * err[k];
    }
    // Hermitian symmetry: the composition is real, so Y[n-k] = conj Y[k].
    for (int k = 1; k < half; k++) {
      yr[n - k] = yr[k];
      yi[n - k] = -yi[k];
    }
    fft.inverseUnscaled(yr, yi);
    double rounding = (Math.sqrt(l2Err) + fft.errorBound(l1Y)) * (1 + 1e-6);
    return new PowerSpectrum(yr, rounding);
  }

  /** Adds x's masses into z at positions j mod n; returns their sum. */
  private static double wrap(DiscretePld x, double[] z, int n) {
    double sum = 0;
    for (int j = 0; j < x.mass.length; j++) {
      z[j & (n - 1)] += x.mass[j];
      sum += x.mass[j];
    }
    return sum;
  }

  /** One segment's factor X^count, X separated from a packed transform Z. */
  private static final class Factor {
    private final Fft fft;
    private final double[] zr;
    private final double[] zi;
    private final boolean first;
    private final DiscretePld pld;
    private final long count;
    private final double eta;
    private final double l1;
    private final double etaDirect;

    Factor(Fft fft, double[] zr, double[] zi, boolean first, DiscretePld pld, long count, double eta) {
      this.fft = fft;
      this.zr = zr;
      this.zi = zi;
      this.first = first;
      this.pld = pld;
      this.count = count;
      this.eta = eta;
      double sum = 0;
      for (double v : pld.mass) {
        sum += v;
      }
      this.l1 = sum * (1 + 2 * pld.mass.length * U);
      this.etaDirect = Fft.directErrorBound(l1, pld.mass.length);
    }

    /** Y *= X^count for k in [0, n/2], updating the modulus bounds and error bounds. */
    void multiplyInto(double[] yr, double[] yi, double[] bound, double[] err) {
      int half = zr.length / 2;
      double[] x = new double[2];
      double logCountEta = Math.log(count * eta);
      double logThreshold = Math.log(DIRECT_THRESHOLD);
      int direct = 0;
      for (int k = 0; k <= half; k++) {
        separate(k, x);
        double etaK = eta;
        double logRho = Math.log(rho(Math.sqrt(x[0] * x[0] + x[1] * x[1]), eta));
        if (count > 1 && direct < MAX_DIRECT && logCountEta + (count - 1) * logRho > logThreshold) {
          // log(count rho^(count-1) eta): the FFT error would be amplified beyond the threshold.
          fft.directCoefficient(pld.mass, k, x);
          etaK = etaDirect;
          logRho = Math.log(rho(Math.sqrt(x[0] * x[0] + x[1] * x[1]), etaK));
          direct++;
        }
        if (count > 1 && count * logRho < -745) {
          // Both |X|^count and |Xc|^count underflow: the factor is 0 to within e^-745, and
          // count rho^(count-1) eta <= count eta e^(-372) for count >= 2.
          applyNegligible(k, count * etaK * 1e-160, yr, yi, bound, err);
        } else {
          apply(k, x[0], x[1], etaK, logRho, yr, yi, bound, err);
        }
      }
    }

    /** The factor is below 1e-300 in modulus and within {@code factorErr} of the exact one. */
    private static void applyNegligible(int k, double factorErr, double[] yr, double[] yi, double[] bound,
        double[] err) {
      double factorBound = 1e-300;
      yr[k] = 0;
      yi[k] = 0;
      double b = bound[k];
      // Yc is now exactly 0: its distance to Y G is at most |Y| |G| <= b factorBound, and
      // the general update below covers that too.
      err[k] = err[k] * factorBound + b * (factorErr + factorBound);
      bound[k] = Math.max(b * factorBound, Double.MIN_NORMAL); // a bound rounded up stays a bound
    }

    /** X_a = (Z_k + conj Z_(n-k)) / 2 (first) or X_b = (Z_k - conj Z_(n-k)) / 2i, into out. */
    private void separate(int k, double[] out) {
      int m = (zr.length - k) & (zr.length - 1);
      if (first) {
        out[0] = 0.5 * (zr[k] + zr[m]);
        out[1] = 0.5 * (zi[k] - zi[m]);
      } else {
        out[0] = 0.5 * (zi[k] + zi[m]);
        out[1] = -0.5 * (zr[k] - zr[m]);
      }
    }

    /** An upper bound on both |X| (exact) and |Xc| (computed, modulus {@code mod}). */
    private double rho(double mod, double e) {
      return Math.max(mod, Math.min(l1, mod + e));
    }

    private void apply(int k, double xr, double xi, double etaK, double logRho, double[] yr, double[] yi,
        double[] bound, double[] err) {
      double r2 = xr * xr + xi * xi;
      double pr;
      double pi;
      double powErr;
      if (count == 1) {
        pr = xr;
        pi = xi;
        powErr = 0;
      } else {
        double logMod = 0.5 * Math.log(r2);
        double logPow = count * logMod;
        if (logPow < -740 || r2 == 0) {
          pr = 0;
          pi = 0;
          powErr = Math.exp(logPow) + Double.MIN_NORMAL;
        } else {
          double mag = Math.exp(logPow);
          double ang = count * Math.atan2(xi, xr);
          pr = mag * Math.cos(ang);
          pi = mag * Math.sin(ang);
          powErr = mag * (8 * U * count * (Math.abs(logMod) + Math.PI + 1) + 8 * U);
        }
      }
      double factorErr = Math.exp(Math.log(count * etaK) + (count - 1) * logRho) + powErr;
      double factorBound = Math.exp(count * logRho) + powErr;
      double ar = yr[k];
      double ai = yi[k];
      yr[k] = ar * pr - ai * pi;
      yi[k] = ar * pi + ai * pr;
      double b = bound[k];
      err[k] = err[k] * factorBound + b * factorErr + 3 * U * b * factorBound;
      bound[k] = Math.max(b * factorBound, Double.MIN_NORMAL); // a bound rounded up stays a bound
    }
  }
}
