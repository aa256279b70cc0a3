package io.cohort.crypto.dp;

/**
 * {@code steps} consecutive steps of the Poisson-subsampled Gaussian mechanism (DP-SGD): each
 * record is included independently with probability {@code q}, per-record contributions are
 * clipped to L2 norm C, and Gaussian noise of standard deviation {@code sigma * C} is added to
 * their sum. The accounting depends only on q, sigma (the noise multiplier, unitless) and steps.
 *
 * <p>Immutable; constructed only through {@link #of}, which validates every value.
 */
public final class PlanSegment {
  private final double q;
  private final double sigma;
  private final long steps;

  private PlanSegment(double q, double sigma, long steps) {
    this.q = q;
    this.sigma = sigma;
    this.steps = steps;
  }

  /** Validates q in (0, 1], sigma in (0, inf), steps in [1, 1e9]. */
  public static PlanSegment of(double q, double sigma, long steps) throws DpParameterException {
    return new PlanSegment(DpPreconditions.checkSamplingProbability(q), DpPreconditions.checkNoiseMultiplier(sigma),
        DpPreconditions.checkSteps(steps));
  }

  /** The Poisson sampling probability, in (0, 1]. */
  public double samplingProbability() {
    return q;
  }

  /** The noise multiplier sigma: noise stddev divided by the clipping norm. */
  public double noiseMultiplier() {
    return sigma;
  }

  public long steps() {
    return steps;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlanSegment s && Double.compare(q, s.q) == 0 && Double.compare(sigma, s.sigma) == 0
        && steps == s.steps;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(q) * 31 * 31 + Double.hashCode(sigma) * 31 + Long.hashCode(steps);
  }

  @Override
  public String toString() {
    return "PlanSegment[q=" + q + ", sigma=" + sigma + ", steps=" + steps + "]";
  }
}
