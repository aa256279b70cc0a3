package io.cohort.crypto.ledger;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PlanSegment;

/**
 * One release to be recorded: {@code steps} DP-SGD steps of job {@code jobId}, round
 * {@code round}, with Poisson rate q, noise multiplier sigma and clipping norm C. Immutable and
 * validated on construction (ids: 1 to 128 characters of {@code [A-Za-z0-9._:-]}).
 *
 * <p>Issue 19: an evaluation release ({@link #EVALUATION_MECHANISM}) is the same Gaussian mechanism
 * without subsampling: q = 1, one step, {@code clipNorm} its L2 sensitivity and sigma the noise's
 * stddev over it, so the accountants compose it with training as one more segment.
 *
 * @param jobTermsSha256 the hex SHA-256 of the job terms the node accepted (issue 21 #4), written
 *     into the signed entry so each round's spend names the terms it was made under; empty for
 *     entries written before terms were pinned
 * @param mechanism {@link #MECHANISM} (DP-SGD), {@link #EVALUATION_MECHANISM} or {@link #STATISTICS_MECHANISM}
 * @param unit the privacy unit the spend is stated for: {@link #RECORD_UNIT} or the column / field
 *     that names the person (issue 19 #2)
 */
public record Spend(String jobId, long round, PlanSegment segment, double clipNorm, String jobTermsSha256,
    String mechanism, String unit) {
  /** DP-SGD: the Poisson-subsampled Gaussian mechanism. */
  public static final String MECHANISM = "poisson-gaussian";
  /** Noisy evaluation statistics: the Gaussian mechanism on a node's validation counts (issue 19 #3). */
  public static final String EVALUATION_MECHANISM = "gaussian-evaluation";
  /**
   * Noisy federated feature statistics: the Gaussian mechanism on a node's clamped counts and sums before
   * round 1 (issue 23 #2), recorded at round 0.
   */
  public static final String STATISTICS_MECHANISM = "gaussian-statistics";
  /** The default privacy unit: one record. */
  public static final String RECORD_UNIT = "record";

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
    if (mechanism == null) {
      mechanism = MECHANISM;
    }
    if (!known(mechanism)) {
      throw new IllegalArgumentException("mechanism must be " + MECHANISM + ", " + EVALUATION_MECHANISM + " or "
          + STATISTICS_MECHANISM + ", got " + mechanism);
    }
    if (unit == null || unit.isEmpty()) {
      unit = RECORD_UNIT;
    }
    if (!unit.matches("[A-Za-z0-9._:-]{1,128}")) {
      throw new IllegalArgumentException("unit must be 1 to 128 characters of [A-Za-z0-9._:-], got " + unit);
    }
  }

  /** Whether {@code mechanism} is one this ledger records. */
  public static boolean known(String mechanism) {
    return MECHANISM.equals(mechanism) || EVALUATION_MECHANISM.equals(mechanism)
        || STATISTICS_MECHANISM.equals(mechanism);
  }

  /** A DP-SGD spend at record level. */
  public Spend(String jobId, long round, PlanSegment segment, double clipNorm, String jobTermsSha256) {
    this(jobId, round, segment, clipNorm, jobTermsSha256, MECHANISM, RECORD_UNIT);
  }

  /** A spend that names no job terms. */
  public Spend(String jobId, long round, PlanSegment segment, double clipNorm) {
    this(jobId, round, segment, clipNorm, "");
  }

  /** This spend, naming the job terms (hex SHA-256) it was made under. */
  public Spend withJobTerms(String sha256Hex) {
    return new Spend(jobId, round, segment, clipNorm, sha256Hex, mechanism, unit);
  }

  /** This spend, stated for privacy unit {@code unitName} ({@link #RECORD_UNIT} or a column / field name). */
  public Spend withUnit(String unitName) {
    return new Spend(jobId, round, segment, clipNorm, jobTermsSha256, mechanism, unitName);
  }

  /** This spend under {@code name}, {@link #MECHANISM} or {@link #EVALUATION_MECHANISM}. */
  public Spend withMechanism(String name) {
    return new Spend(jobId, round, segment, clipNorm, jobTermsSha256, name, unit);
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
