package io.cohort.coordinator.store;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;

/**
 * One node's own metrics in a round's evaluation (issue 23 #7), computed from the result it sent, as pooled
 * metrics of that one result. {@code released} is {@value #EXACT} or {@value #NOISED} (the node added DP noise
 * before the result left it and charged it to its ledger): the coordinator never holds more than that.
 */
public record NodeEvaluation(int round, String nodeId, RoundRecord.Evaluation evaluation, String released) {
  public static final String EXACT = "exact";
  public static final String NOISED = "noised";

  public NodeEvaluation {
    if (!EXACT.equals(released) && !NOISED.equals(released)) {
      throw new IllegalArgumentException("released is '" + released + "'; expected exact or noised");
    }
  }

  /**
   * What each node's evaluation result of {@code spec} is when it reaches the coordinator: {@value #EXACT} without
   * DP or with public validation data; {@value #NOISED} (and charged to the node's ledger) under local DP; null
   * under distributed DP, whose nodes withhold their results, so that nothing per node is kept.
   */
  public static String released(JobSpec spec) {
    boolean dp = spec.hasPrivacy() && spec.getPrivacy().getEnabled();
    if (!dp || spec.getPrivacy().getPublicValidation()) {
      return EXACT;
    }
    return spec.getPrivacy().getMode() == PrivacyMode.PRIVACY_MODE_DISTRIBUTED ? null : NOISED;
  }

  /** {@link #released} in words, for the API, the CLI and the dashboard. */
  public static String describe(JobSpec spec) {
    String released = released(spec);
    if (released == null) {
      return "none: under distributed DP each node withholds its own evaluation result, so only the pooled"
          + " metrics and each round's contributors are shown";
    }
    return released.equals(EXACT)
        ? "exact: each node's evaluation of the round's model on its own validation split, from the result it sent"
            + " for the pooled evaluation (the job has no DP, or its validation data is public)"
        : "noised: computed from the evaluation result each node released under DP, with the noise the node added"
            + " and charged to its ledger as an evaluation entry; small nodes' numbers are mostly noise";
  }
}
