package io.cohort.coordinator.round;

import io.cohort.crypto.secagg.InvalidSecAggParametersException;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecureAggregationSpec;

/**
 * Resolves a job's {@code secure_aggregation} setting for a round of n nodes into the library's
 * parameters, and describes it for operators. Pure functions.
 */
public final class SecAggSettings {
  private SecAggSettings() {}

  /** Whether the job's rounds run under secure aggregation (jobs stored before the setting existed: off). */
  public static boolean enabled(JobSpec spec) {
    return spec.hasSecureAggregation() && spec.getSecureAggregation().getEnabled();
  }

  /** t for a round of n nodes: the job's threshold, or the library's recommended floor(2n/3) + 1. */
  public static int threshold(JobSpec spec, int n) {
    int t = spec.getSecureAggregation().getThreshold();
    return t > 0 ? t : 2 * n / 3 + 1;
  }

  /**
   * The library's parameters for n nodes and d coordinates: example-count weights up to W_max,
   * stochastic rounding, n_min = the job's min_nodes (at least 2, at most n): a node refuses to
   * send its masked input to a smaller cohort, matching the results a round needs anyway.
   *
   * @throws InvalidSecAggParametersException when the combination is unsafe (wrap, threshold)
   */
  public static SecAggParameters parameters(JobSpec spec, int n, int d) throws InvalidSecAggParametersException {
    SecureAggregationSpec s = spec.getSecureAggregation();
    return SecAggParameters.builder().maxCohortSize(n).threshold(threshold(spec, n)).minCohortSize(Math.max(2, Math.min(spec.getMinNodes(), n)))
        .vectorLength(d).quantizationBits(s.getBits()).clipBound(s.getClip())
        .exampleCountWeights(s.getMaxExamples()).build();
  }

  /** The round message carrying {@code p} to a node (its id and the peers are added by the caller). */
  static SecAggRound.Builder describeTo(SecAggParameters p) {
    return SecAggRound.newBuilder().setThreshold(p.threshold()).setMinCohortSize(p.minCohortSize())
        .setBits(p.quantizationBits()).setClip(p.clipBound()).setMaxExamples(p.maxExampleCount())
        .setVectorLength(p.vectorLength());
  }

  /**
   * "OFF", or "ON (t of n)" for a round of n nodes; with n unknown (0), "ON (t of n)" names the
   * rule instead of a number.
   */
  public static String describe(JobSpec spec, int n) {
    if (!enabled(spec)) {
      return "OFF";
    }
    String t = n > 0 ? threshold(spec, n) + " of " + n
        : (spec.getSecureAggregation().getThreshold() > 0 ? spec.getSecureAggregation().getThreshold() + " of n"
            : "floor(2n/3)+1 of n");
    return "ON (" + t + ")";
  }
}
