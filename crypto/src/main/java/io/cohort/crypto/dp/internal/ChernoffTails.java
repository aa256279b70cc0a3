package io.cohort.crypto.dp.internal;

import java.util.List;

/**
 * Upper bounds on the tails of a composed PLD before it is computed: for the sum S of
 * {@code counts[s]} independent losses from each one-step PLD s (finite part only), the Chernoff
 * bound mu(S >= c) <= exp(Lambda(t) - t c) for t > 0, and mu(S <= c) <= exp(Lambda(-t) + t c),
 * where Lambda(t) = sum_s counts[s] log sum_j x_s[j] e^(t l_j) is computed exactly from the
 * discrete one-step masses. This is Markov's inequality applied to e^(tS), valid for any
 * non-negative measure (mass below 1 included), so every bound returned is rigorous for every t;
 * the search over t only makes it tighter.
 *
 * <p>Used to choose the window of a circular (FFT) composition so that the mass outside it,
 * which wraps around, is known to be at most a target. The same idea as the truncation bounds of
 * Google dp_accounting's {@code common.compute_self_convolve_bounds}.
 *
 * <p>Numerics: each inner sum is a Horner recurrence in rho = e^(-|t| h) <= 1 over non-negative
 * terms (no exp per term, no overflow), with relative error below 4 L u for L terms; that is
 * added to the log. Immutable.
 */
final class ChernoffTails {
  private static final double U = 0x1.0p-53;
  /** Search range for t (per nat): wide enough for any grid and spread the accountant uses. */
  private static final double LOG_T_MIN = Math.log(1e-4);
  private static final int SEARCH_STEPS = 28;
  private final List<DiscretePld> steps;
  private final long[] counts;
  private final double h;
  private final double logTMax;

  ChernoffTails(List<DiscretePld> steps, long[] counts) {
    this.steps = steps;
    this.counts = counts;
    this.h = steps.get(0).h;
    this.logTMax = Math.log(50 / h);
  }

  /** An upper bound on mu(S > index * h). */
  double massAbove(long index) {
    double c = (index + 1) * h;
    return Math.exp(minimise(t -> roundUp(lambda(t), -t * c)));
  }

  /** An upper bound on mu(S < index * h). */
  double massBelow(long index) {
    double c = (index - 1) * h;
    return Math.exp(minimise(t -> roundUp(lambda(-t), t * c)));
  }

  /** The smallest grid index B (approximately; never too small) with mu(S > B h) <= tau. */
  long upperIndex(double tau) {
    double logTau = Math.log(tau);
    double c = minimise(t -> (lambda(t) - logTau) / t);
    return (long) Math.ceil(c / h);
  }

  /** The largest grid index A (approximately; never too large) with mu(S < A h) <= tau. */
  long lowerIndex(double tau) {
    double logTau = Math.log(tau);
    double c = -minimise(t -> (lambda(-t) - logTau) / t);
    return (long) Math.floor(c / h);
  }

  /** a + b, plus a bound on the rounding of a, b and the sum (they may cancel). */
  private static double roundUp(double a, double b) {
    return a + b + 4 * U * (Math.abs(a) + Math.abs(b));
  }

  /** Lambda(t) as above, rounded up; +infinity where it cannot be evaluated safely. */
  double lambda(double t) {
    double sum = 0;
    double abs = 0;
    for (int s = 0; s < steps.size(); s++) {
      double term = counts[s] * logMgf(steps.get(s), t);
      sum += term;
      abs += Math.abs(term);
    }
    sum += 4 * U * steps.size() * abs;
    return Double.isNaN(sum) ? Double.POSITIVE_INFINITY : sum;
  }

  /** log sum_j x[j] e^(t (offset + j) h), rounded up. */
  private static double logMgf(DiscretePld x, double t) {
    double[] m = x.mass;
    int len = m.length;
    double rho = Math.exp(-Math.abs(t) * x.h);
    // Four interleaved Horner chains in rho^4 (latency, not arithmetic, bounds a single chain).
    double rho2 = rho * rho;
    double rho4 = rho2 * rho2;
    double c0 = 0;
    double c1 = 0;
    double c2 = 0;
    double c3 = 0;
    boolean up = t >= 0;
    int j = 0;
    for (; j + 3 < len; j += 4) {
      // up: sum_j m[j] rho^(len-1-j), from the bottom; down: sum_j m[j] rho^j, from the top.
      int b = up ? j : len - 1 - j;
      int d = up ? 1 : -1;
      c0 = c0 * rho4 + m[b];
      c1 = c1 * rho4 + m[b + d];
      c2 = c2 * rho4 + m[b + 2 * d];
      c3 = c3 * rho4 + m[b + 3 * d];
    }
    double acc = ((c0 * rho + c1) * rho + c2) * rho + c3;
    for (; j < len; j++) {
      acc = acc * rho + m[up ? j : len - 1 - j];
    }
    long anchor = up ? x.offset + len - 1 : x.offset;
    if (!(acc > 1e-280)) {
      // Underflow could hide mass: refuse this t rather than return a bound that is too small.
      return Double.POSITIVE_INFINITY;
    }
    double shift = t * anchor * x.h;
    return shift + Math.log(acc) + 4 * len * U + 4 * U * Math.abs(shift) + 1e-15;
  }

  /** Golden-section search for the minimum of f over t = e^v, v in [LOG_T_MIN, logTMax]. */
  private double minimise(java.util.function.DoubleUnaryOperator f) {
    final double g = (Math.sqrt(5) - 1) / 2;
    double a = LOG_T_MIN;
    double b = logTMax;
    double x1 = b - g * (b - a);
    double x2 = a + g * (b - a);
    double f1 = f.applyAsDouble(Math.exp(x1));
    double f2 = f.applyAsDouble(Math.exp(x2));
    double best = Math.min(f1, f2);
    for (int i = 0; i < SEARCH_STEPS; i++) {
      if (f1 <= f2) {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = b - g * (b - a);
        f1 = f.applyAsDouble(Math.exp(x1));
      } else {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + g * (b - a);
        f2 = f.applyAsDouble(Math.exp(x2));
      }
      best = Math.min(best, Math.min(f1, f2));
    }
    return best;
  }
}
