package io.cohort.crypto.ledger;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PlanSegment;

/**
 * One release to be recorded: {@code steps} DP-SGD steps of job {@code jobId}, round
 * {@code round}, with Poisson rate q, noise multiplier sigma and clipping norm C. Immutable and
 * validated on construction (ids: 1 to 128 characters of {@code [A-Za-z0-9._:-]}).
 */
public record Spend(String jobId, long round, PlanSegment segment, double clipNorm) {
  /** The only mechanism recorded today: Poisson-subsampled Gaussian (DP-SGD). */
  public static final String MECHANISM = "poisson-gaussian";

  public Spend {
    if (segment == null) {
      throw new IllegalArgumentException("segment is required");
    }
  }

  public static Spend of(String jobId, long round, double q, double sigma, double clipNorm, long steps)
      throws DpParameterException {
    checkId("jobId", jobId);
    if (round < 0) {
      throw new DpParameterException("round", "round must be >= 0, got " + round);
    }
    return new Spend(jobId, round, PlanSegment.of(q, sigma, steps), DpPreconditions.checkClipNorm(clipNorm));
  }

  static String checkId(String name, String id) throws DpParameterException {
    if (id == null || !id.matches("[A-Za-z0-9._:-]{1,128}")) {
      throw new DpParameterException(name, name + " must be 1 to 128 characters of [A-Za-z0-9._:-], got " + id);
    }
    return id;
  }
}
