package io.cohort.crypto.ledger;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PlanSegment;

/**
 * One release to be recorded: {@code steps} DP-SGD steps of job {@code jobId}, round
 * {@code round}, with Poisson rate q, noise multiplier sigma and clipping norm C. Immutable and
 * validated on construction (ids: 1 to 128 characters of {@code [A-Za-z0-9._:-]}).
 *
 * @param jobTermsSha256 the hex SHA-256 of the job terms the node accepted (issue 21 #4), written
 *     into the signed entry so each round's spend names the terms it was made under; empty for
 *     entries written before terms were pinned
 */
public record Spend(String jobId, long round, PlanSegment segment, double clipNorm, String jobTermsSha256) {
  /** The only mechanism recorded today: Poisson-subsampled Gaussian (DP-SGD). */
  public static final String MECHANISM = "poisson-gaussian";

  public Spend {
    if (segment == null) {
      throw new IllegalArgumentException("segment is required");
    }
    if (jobTermsSha256 == null) {
      jobTermsSha256 = "";
    }
    if (!jobTermsSha256.isEmpty() && !jobTermsSha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("jobTermsSha256 must be 64 lower-case hex characters, got " + jobTermsSha256);
    }
  }

  /** A spend that names no job terms. */
  public Spend(String jobId, long round, PlanSegment segment, double clipNorm) {
    this(jobId, round, segment, clipNorm, "");
  }

  /** This spend, naming the job terms (hex SHA-256) it was made under. */
  public Spend withJobTerms(String sha256Hex) {
    return new Spend(jobId, round, segment, clipNorm, sha256Hex);
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
