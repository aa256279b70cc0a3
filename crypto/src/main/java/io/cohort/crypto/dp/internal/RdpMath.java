package io.cohort.crypto.dp.internal;

/**
 * Rényi divergence of the Poisson-subsampled Gaussian mechanism, in log space.
 *
 * <p>Mironov, Talwar and Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
 * (2019), Sections 3.3 (integer orders, exact binomial expansion) and 3.4 (fractional orders,
 * the two-sided series with erfc tails). The RDP at order alpha of one step with sampling
 * probability q and noise multiplier sigma is {@code log A_alpha / (alpha - 1)}. The code
 * follows the reference implementation of TensorFlow Privacy / Opacus
 * ({@code analysis/rdp.py}) term by term, including its stopping rule for the fractional series,
 * so that values agree with those libraries to rounding.
 */
public final class RdpMath {
  /** Stopping threshold of the fractional series (log of the last term), as in Opacus. */
  private static final double FRACTIONAL_SERIES_LOG_CUTOFF = -30;
  /** A hard cap on series terms: never loop forever on a pathological input. */
  private static final int MAX_TERMS = 1_000_000;

  private RdpMath() {}

  /**
   * The RDP of one step at order {@code alpha > 1}. Returns +infinity where the divergence is
   * infinite or overflows (never a finite under-estimate).
   */
  public static double rdpOneStep(double q, double sigma, double alpha) {
    if (q == 0) {
      return 0;
    }
    if (Double.isInfinite(alpha)) {
      return Double.POSITIVE_INFINITY;
    }
    if (q == 1.0) {
      // No subsampling: the Gaussian mechanism, alpha / (2 sigma^2) (Mironov 2017, Prop. 7).
      return alpha / (2 * sigma * sigma);
    }
    double logA = alpha == Math.rint(alpha) && alpha < Integer.MAX_VALUE
        ? logAInteger(q, sigma, (int) alpha)
        : logAFractional(q, sigma, alpha);
    double r = logA / (alpha - 1);
    return Double.isNaN(r) ? Double.POSITIVE_INFINITY : r;
  }

  /** log A_alpha for integer alpha: log sum_i C(alpha,i) q^i (1-q)^(alpha-i) e^((i^2-i)/(2 sigma^2)). */
  static double logAInteger(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double twoSigma2 = 2 * sigma * sigma;
    double logA = Double.NEGATIVE_INFINITY;
    double logBinom = 0; // log C(alpha, 0)
    for (int i = 0; i <= alpha; i++) {
      double s = logBinom + i * logQ + (alpha - i) * log1mQ + ((double) i * i - i) / twoSigma2;
      logA = SpecialFunctions.logAdd(logA, s);
      // C(alpha, i+1) = C(alpha, i) * (alpha - i) / (i + 1), kept in logs.
      logBinom += Math.log(alpha - i) - Math.log(i + 1.0);
    }
    return logA;
  }

  /** log A_alpha for fractional alpha: the series of Mironov et al. (2019), Section 3.4. */
  static double logAFractional(double q, double sigma, double alpha) {
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double sigma2 = sigma * sigma;
    double z0 = sigma2 * Math.log(1 / q - 1) + 0.5;
    double sqrt2Sigma = Math.sqrt(2) * sigma;
    double logAbsBinom = 0; // log |C(alpha, 0)|
    boolean binomPositive = true;
    for (int i = 0; i < MAX_TERMS; i++) {
      double j = alpha - i;
      double logT0 = logAbsBinom + i * logQ + j * log1mQ;
      double logT1 = logAbsBinom + j * logQ + i * log1mQ;
      double logE0 = Math.log(0.5) + SpecialFunctions.logErfc((i - z0) / sqrt2Sigma);
      double logE1 = Math.log(0.5) + SpecialFunctions.logErfc((z0 - j) / sqrt2Sigma);
      double logS0 = logT0 + ((double) i * i - i) / (2 * sigma2) + logE0;
      double logS1 = logT1 + (j * j - j) / (2 * sigma2) + logE1;
      if (binomPositive) {
        logA0 = SpecialFunctions.logAdd(logA0, logS0);
        logA1 = SpecialFunctions.logAdd(logA1, logS1);
      } else {
        logA0 = SpecialFunctions.logSub(logA0, logS0);
        logA1 = SpecialFunctions.logSub(logA1, logS1);
      }
      if (Math.max(logS0, logS1) < FRACTIONAL_SERIES_LOG_CUTOFF) {
        return SpecialFunctions.logAdd(logA0, logA1);
      }
      // C(alpha, i+1) = C(alpha, i) * (alpha - i) / (i + 1); the sign flips once i > alpha.
      double factor = alpha - i;
      logAbsBinom += Math.log(Math.abs(factor)) - Math.log(i + 1.0);
      if (factor < 0) {
        binomPositive = !binomPositive;
      }
    }
    throw new ArithmeticException("fractional RDP series did not converge: q=" + q + " sigma=" + sigma
        + " alpha=" + alpha);
  }
}
