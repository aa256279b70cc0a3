package io.cohort.coordinator.store;

import io.cohort.proto.v1.JobSpec;

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
   * DP or with public validation data; otherwise {@value #NOISED} (and charged to the node's ledger), under local
   * and distributed DP alike.
   */
  public static String released(JobSpec spec) {
    boolean dp = spec.hasPrivacy() && spec.getPrivacy().getEnabled();
    return !dp || spec.getPrivacy().getPublicValidation() ? EXACT : NOISED;
  }

  /** {@link #released} in words, for the API, the CLI and the dashboard. */
  public static String describe(JobSpec spec) {
    String released = released(spec);
    return released.equals(EXACT)
        ? "exact: each node's evaluation of the round's model on its own validation split, from the result it sent"
            + " for the pooled evaluation (the job has no DP, or its validation data is public)"
        : "noised: computed from the evaluation result each node released under DP, with the noise the node added"
            + " and charged to its ledger as an evaluation entry; small nodes' numbers are mostly noise";
  }
}
