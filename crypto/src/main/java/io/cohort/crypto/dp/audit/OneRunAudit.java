package io.cohort.crypto.dp.audit;

/**
 * The lower bound on epsilon of Steinke, Nasr and Jagielski, "Privacy Auditing with One (1)
 * Training Run" (NeurIPS 2023, arXiv:2305.08846).
 *
 * <p>Setting (their Section 3): m canaries, each included independently with probability 1/2
 * (S_i uniform in {-1, +1}); after training the auditor guesses T_i in {-1, 0, +1} ("excluded",
 * abstain, "included") for r = ||T||_1 canaries and gets v of them right. Their Theorem 3.1
 * (the main theorem, with the delta term) says that if the training algorithm is (eps, delta)-DP
 * in each canary then, with W' ~ Binomial(r, q) and q = e^eps / (1 + e^eps),
 *
 * <pre>
 *   P[v correct or more]  <=  P[W' >= v]  +  2 m delta * max_{i = 1..v} (1/i) P[v > W' >= v - i].   (*)
 * </pre>
 *
 * The right-hand side of (*) is the p-value of the null hypothesis "the algorithm is
 * (eps, delta)-DP" ({@link #pValue}); it is the same quantity as the authors' reference code for the
 * audit (function {@code p_value_DP_audit}, the procedure the paper gives for turning the counts into
 * a bound). The reported bound ({@link #epsilonLowerBound}) is the largest eps whose null hypothesis
 * is rejected at level 1 - confidence, found by bisection as in their {@code get_eps_audit}. With
 * delta = 0, (*) is the pure-DP statement of Theorem 3.1 (a plain binomial tail).
 *
 * <p>How to read it: with probability at least {@code confidence} over the canary coins, the true
 * epsilon of the run is at least the bound. A bound of 0 proves nothing about privacy; a bound
 * below the accounted epsilon is the expected outcome of a correct implementation; a bound above
 * the accounted epsilon (beyond the 5 % false-alarm rate) means the implementation or the
 * accounting is wrong.
 *
 * <p>Numerics: binomial probabilities in log space with exact log-binomial coefficients (sums of
 * logs), so r up to millions is fine; bisection to an absolute precision of 1e-9 in epsilon.
 */
public final class OneRunAudit {
  private OneRunAudit() {}

  /** The largest epsilon we search; a bound this large means "no privacy" for every purpose. */
  public static final double MAX_EPSILON = 1000;

  /**
   * The right-hand side of (*): the p-value of "(eps, delta)-DP" after v correct of r guesses among m canaries.
   *
   * @throws IllegalArgumentException when the counts or parameters are out of range
   */
  public static double pValue(int m, int r, int v, double epsilon, double delta) {
    check(m, r, v, delta);
    if (!(epsilon >= 0) || Double.isNaN(epsilon)) {
      throw new IllegalArgumentException("epsilon is " + epsilon + "; expected a value >= 0");
    }
    if (v == 0) {
      return 1.0;
    }
    double[] logPmf = logBinomialPmf(r, epsilon);
    // beta = P[W' >= v]
    double beta = sumExp(logPmf, v, r);
    // alpha = max_i (1/i) P[v > W' >= v - i]
    double alpha = 0;
    double cumulative = 0;
    for (int i = 1; i <= v; i++) {
      cumulative += Math.exp(logPmf[v - i]);
      alpha = Math.max(alpha, cumulative / i);
    }
    return Math.min(1.0, beta + alpha * delta * 2.0 * m);
  }

  /**
   * The lower bound on epsilon at the given confidence (for example 0.95): the largest eps with
   * {@code pValue(m, r, v, eps, delta) < 1 - confidence}; 0 when even eps = 0 is not rejected.
   *
   * @throws IllegalArgumentException when the counts or parameters are out of range
   */
  public static double epsilonLowerBound(int m, int r, int v, double delta, double confidence) {
    check(m, r, v, delta);
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence is " + confidence + "; expected a value in (0, 1), for example 0.95");
    }
    double level = 1 - confidence;
    if (pValue(m, r, v, 0, delta) >= level) {
      return 0;
    }
    double lo = 0;
    double hi = 1;
    while (pValue(m, r, v, hi, delta) < level) {
      lo = hi;
      hi *= 2;
      if (hi > MAX_EPSILON) {
        return MAX_EPSILON;
      }
    }
    while (hi - lo > 1e-9) {
      double mid = 0.5 * (lo + hi);
      if (pValue(m, r, v, mid, delta) < level) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** log P[Binomial(r, q) = k] for k = 0..r, q = e^eps / (1 + e^eps). */
  static double[] logBinomialPmf(int r, double epsilon) {
    double logQ = -Math.log1p(Math.exp(-epsilon));          // log(e^eps / (1 + e^eps))
    double log1mQ = -epsilon - Math.log1p(Math.exp(-epsilon)); // log(1 / (1 + e^eps))
    double[] logFactorial = new double[r + 1];
    for (int k = 1; k <= r; k++) {
      logFactorial[k] = logFactorial[k - 1] + Math.log(k);
    }
    double[] out = new double[r + 1];
    for (int k = 0; k <= r; k++) {
      double logChoose = logFactorial[r] - logFactorial[k] - logFactorial[r - k];
      out[k] = logChoose + (k == 0 ? 0 : k * logQ) + (r - k == 0 ? 0 : (r - k) * log1mQ);
    }
    return out;
  }

  private static double sumExp(double[] logs, int from, int to) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = from; k <= to; k++) {
      max = Math.max(max, logs[k]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return 0;
    }
    double sum = 0;
    for (int k = from; k <= to; k++) {
      sum += Math.exp(logs[k] - max);
    }
    return Math.exp(max) * sum;
  }

  private static void check(int m, int r, int v, double delta) {
    if (m < 1) {
      throw new IllegalArgumentException("canaries (m) is " + m + "; expected at least 1");
    }
    if (r < 0 || r > m) {
      throw new IllegalArgumentException("guesses (r) is " + r + "; expected a value in [0, " + m + "] (at most one guess per canary)");
    }
    if (v < 0 || v > r) {
      throw new IllegalArgumentException("correct (v) is " + v + "; expected a value in [0, " + r + "] (at most the number of guesses)");
    }
    if (!(delta >= 0 && delta <= 1)) {
      throw new IllegalArgumentException("delta is " + delta + "; expected a value in [0, 1]");
    }
  }
}
