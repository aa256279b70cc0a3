package io.cohort.coordinator.store;

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
}
