package io.cohort.coordinator.strategy;

import io.cohort.wire.TensorBundle;

/** One node's result for a round: its locally trained parameters and how many examples produced them. */
public record ClientUpdate(String nodeId, long numExamples, TensorBundle parameters) {
  public ClientUpdate {
    if (numExamples <= 0) {
      throw new IllegalArgumentException("numExamples must be positive, got " + numExamples + " from node " + nodeId);
    }
  }
}
