package io.cohort.crypto.dp;

/**
 * The single place where every differential-privacy parameter is range-checked (the
 * fail-safe style of Google's differential-privacy library). Each check either returns the
 * value or throws a {@link DpParameterException} naming the parameter, its valid range and the
 * value given. NaN fails every check.
 */
public final class DpPreconditions {
  /** Steps above this would make accounting meaningless and loops unbounded in practice. */
  public static final long MAX_STEPS = 1_000_000_000L;

  private DpPreconditions() {}

  /** q, the Poisson sampling probability: (0, 1]. */
  public static double checkSamplingProbability(double q) throws DpParameterException {
    if (!(q > 0 && q <= 1)) {
      throw new DpParameterException("q", "q (the sampling probability) must be in (0, 1], got " + q);
    }
    return q;
  }

  /** sigma, the noise multiplier (noise stddev / clipping norm): (0, +inf). */
  public static double checkNoiseMultiplier(double sigma) throws DpParameterException {
    if (!(sigma > 0 && sigma < Double.POSITIVE_INFINITY)) {
      throw new DpParameterException("sigma",
          "sigma (the noise multiplier) must be a finite number > 0, got " + sigma);
    }
    return sigma;
  }

  /** delta: (0, 1). */
  public static double checkDelta(double delta) throws DpParameterException {
    if (!(delta > 0 && delta < 1)) {
      throw new DpParameterException("delta", "delta must be in (0, 1), got " + delta);
    }
    return delta;
  }

  /** epsilon: (0, +inf). */
  public static double checkEpsilon(double epsilon) throws DpParameterException {
    if (!(epsilon > 0 && epsilon < Double.POSITIVE_INFINITY)) {
      throw new DpParameterException("epsilon", "epsilon must be a finite number > 0, got " + epsilon);
    }
    return epsilon;
  }

  /** steps: [1, {@link #MAX_STEPS}]. */
  public static long checkSteps(long steps) throws DpParameterException {
    if (steps < 1 || steps > MAX_STEPS) {
      throw new DpParameterException("steps", "steps must be in [1, " + MAX_STEPS + "], got " + steps);
    }
    return steps;
  }

  /** C, the L2 clipping norm (the sensitivity of one record's clipped gradient): (0, +inf). */
  public static double checkClipNorm(double clipNorm) throws DpParameterException {
    if (!(clipNorm > 0 && clipNorm < Double.POSITIVE_INFINITY)) {
      throw new DpParameterException("clipNorm", "clipNorm (the L2 clipping norm) must be a finite number > 0, got "
          + clipNorm);
    }
    return clipNorm;
  }

  /** A noise standard deviation: [0, +inf); 0 is allowed only where the caller adds no noise. */
  public static double checkStddev(double stddev) throws DpParameterException {
    if (!(stddev >= 0 && stddev < Double.POSITIVE_INFINITY)) {
      throw new DpParameterException("stddev", "stddev must be a finite number >= 0, got " + stddev);
    }
    return stddev;
  }

  /** An accountant's discretisation interval (PLD grid spacing, in nats): (0, 0.1]. */
  public static double checkDiscretisation(double interval) throws DpParameterException {
    if (!(interval > 0 && interval <= 0.1)) {
      throw new DpParameterException("discretisation",
          "discretisation (the loss grid spacing) must be in (0, 0.1], got " + interval);
    }
    return interval;
  }
}
