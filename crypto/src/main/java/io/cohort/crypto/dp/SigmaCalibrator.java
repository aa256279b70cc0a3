package io.cohort.crypto.dp;

/**
 * Finds the smallest noise multiplier sigma that meets a target (epsilon, delta) for given q and
 * steps, optionally on top of a privacy history already spent, under any {@link PrivacyAccountant}.
 *
 * <p>Contract: the returned sigma is feasible (the accountant certifies epsilon at most the
 * target for it) and is within {@link #RELATIVE_TOLERANCE} of the smallest feasible sigma:
 * {@code sigma * (1 - RELATIVE_TOLERANCE)} is not certified. Bisection runs on log sigma until the
 * bracket is that narrow, so the answer is never the coarse upper end of a loose bracket.
 * Epsilon is non-increasing in sigma for both accountants here, which makes bisection valid.
 *
 * <p>Privacy guarantees: the sigma returned is always on the feasible side of the bracket.
 */
public final class SigmaCalibrator {
  /** The bracket width at which bisection stops, relative to sigma. */
  public static final double RELATIVE_TOLERANCE = 1e-6;
  private static final double MIN_SIGMA = 1e-4;
  private static final double MAX_SIGMA = 1e4;
  private final PrivacyAccountant accountant;

  public SigmaCalibrator(PrivacyAccountant accountant) {
    this.accountant = accountant;
  }

  /** The smallest sigma such that {@code steps} steps at rate {@code q} spend at most {@code epsilon}. */
  public double calibrate(double q, long steps, double epsilon, double delta) throws DpParameterException {
    return calibrate(null, q, steps, epsilon, delta);
  }

  /**
   * As {@link #calibrate(double, long, double, double)}, but {@code spent} (may be null) has
   * already been spent on the same data and composes with the new steps.
   */
  public double calibrate(PrivacyPlan spent, double q, long steps, double epsilon, double delta)
      throws DpParameterException {
    DpPreconditions.checkSamplingProbability(q);
    DpPreconditions.checkSteps(steps);
    DpPreconditions.checkEpsilon(epsilon);
    DpPreconditions.checkDelta(delta);
    double lo;
    double hi;
    if (feasible(spent, q, steps, 1.0, epsilon, delta)) {
      hi = 1.0;
      while (hi > MIN_SIGMA && feasible(spent, q, steps, hi / 2, epsilon, delta)) {
        hi /= 2;
      }
      lo = hi / 2;
    } else {
      lo = 1.0;
      while (!feasible(spent, q, steps, lo * 2, epsilon, delta)) {
        lo *= 2;
        if (lo > MAX_SIGMA) {
          throw new DpParameterException("epsilon", "epsilon " + epsilon + " at delta " + delta
              + " cannot be met with sigma <= " + MAX_SIGMA + " for this plan (is the budget already spent?)");
        }
      }
      hi = lo * 2;
    }
    // Invariant: hi feasible, lo not (or lo below MIN_SIGMA). Bisect geometrically.
    while (hi - lo > RELATIVE_TOLERANCE * hi) {
      double mid = Math.sqrt(lo * hi);
      if (feasible(spent, q, steps, mid, epsilon, delta)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private boolean feasible(PrivacyPlan spent, double q, long steps, double sigma, double epsilon, double delta)
      throws DpParameterException {
    PrivacyPlan p = PrivacyPlan.of(q, sigma, steps);
    return accountant.epsilon(spent == null ? p : spent.then(p), delta).epsilon() <= epsilon;
  }
}
