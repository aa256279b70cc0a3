package io.cohort.coordinator.round;

import io.cohort.crypto.secagg.InvalidSecAggParametersException;
import io.cohort.crypto.secagg.MaskingGraph;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.MaskingGraphKind;
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

  /** Whether the job asks for SecAgg+'s k-regular masking graph. */
  public static boolean kRegular(JobSpec spec) {
    return spec.getSecureAggregation().getGraph() == MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR;
  }

  /** k for a round of n nodes with the k-regular graph: the job's degree or the library's recommendation. */
  public static int degree(JobSpec spec, int n) {
    int k = spec.getSecureAggregation().getDegree();
    // Rounded up to even: a recommendation of n - 1 (odd) becomes n, which still means complete.
    return k > 0 ? k : Math.max(2, (MaskingGraph.recommendedDegree(n) + 1) & ~1);
  }

  /**
   * t for a round of n nodes: the job's threshold, or the default {@link #defaultThreshold} over
   * the holders of a node's shares: all n with the complete graph; with the k-regular graph a
   * neighbourhood of k' + 1 = min(k, n - 1) + 1 holders.
   */
  public static int threshold(JobSpec spec, int n) {
    int t = spec.getSecureAggregation().getThreshold();
    if (t > 0) {
      return t;
    }
    int holders = kRegular(spec) ? Math.min(degree(spec, n), n - 1) + 1 : n;
    return defaultThreshold(holders);
  }

  /**
   * The default Shamir threshold for h share holders: t = h − ⌊h/3⌋ (= ⌈2h/3⌉), at least 2. A round
   * then survives ⌊h/3⌋ dropouts (one of three, three of ten), and t > h/2 always holds, which is
   * the library's bound t > (n + n_C)/2 with n_C = 0: a lying coordinator cannot collect t
   * consistency signatures on two different survivor sets (Bonawitz et al. 2017, section 4), and
   * fewer than t colluding nodes learn nothing of a node's mask seeds. The former ⌊2h/3⌋ + 1 was
   * h itself for h = 3 (issue 22 #5): any single dropout forced a full retry.
   */
  public static int defaultThreshold(int holders) {
    return Math.max(2, holders - holders / 3);
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
    SecAggParameters.Builder b = SecAggParameters.builder().maxCohortSize(n).threshold(threshold(spec, n))
        .minCohortSize(Math.max(2, Math.min(spec.getMinNodes(), n)))
        .vectorLength(d).quantizationBits(s.getBits()).clipBound(s.getClip())
        .exampleCountWeights(s.getMaxExamples());
    if (kRegular(spec)) {
      b.kRegularGraph(degree(spec, n));
    }
    return b.build();
  }

  /**
   * A distributed-DP round's parameters for n nodes and D (the rotation's padded length) words: as
   * {@link #parameters}, but the inputs are ring words the nodes encoded (no quantisation) with
   * uniform weights, so the weight word counts the inputs in the sum and no example count travels.
   */
  public static SecAggParameters distributedDpParameters(JobSpec spec, int n, int paddedDimension)
      throws InvalidSecAggParametersException {
    SecureAggregationSpec s = spec.getSecureAggregation();
    SecAggParameters.Builder b = SecAggParameters.builder().maxCohortSize(n).threshold(threshold(spec, n))
        .minCohortSize(Math.max(2, Math.min(spec.getMinNodes(), n)))
        .vectorLength(paddedDimension).quantizationBits(s.getBits()).clipBound(s.getClip())
        .uniformWeights().ringWords();
    if (kRegular(spec)) {
      b.kRegularGraph(degree(spec, n));
    }
    return b.build();
  }

  /** The round message carrying {@code p} to a node (its id and the peers are added by the caller). */
  static SecAggRound.Builder describeTo(SecAggParameters p) {
    return SecAggRound.newBuilder().setThreshold(p.threshold()).setMinCohortSize(p.minCohortSize())
        .setBits(p.quantizationBits()).setClip(p.clipBound()).setMaxExamples(p.maxExampleCount())
        .setVectorLength(p.vectorLength())
        .setKRegularDegree(p.graph() == MaskingGraph.Kind.K_REGULAR ? p.degree() : 0);
  }

  /**
   * "OFF", or "ON (t of n)" for a round of n nodes; with n unknown (0, e.g. the jobs list before a
   * round), the rule in words, such as "ON (tolerates a third of the nodes dropping out)" (issue 22
   * #10: it read as a formula).
   */
  public static String describe(JobSpec spec, int n) {
    if (!enabled(spec)) {
      return "OFF";
    }
    if (kRegular(spec)) {
      String k = n > 0 ? "k=" + degree(spec, n) + ", t=" + threshold(spec, n) + " of " + n : "k-regular";
      return "ON (SecAgg+ " + k + ")";
    }
    String t = n > 0 ? threshold(spec, n) + " of " + n
        : (spec.getSecureAggregation().getThreshold() > 0
            ? "needs " + spec.getSecureAggregation().getThreshold() + " nodes to the end of each round"
            : "tolerates a third of the nodes dropping out");
    return "ON (" + t + ")";
  }
}
