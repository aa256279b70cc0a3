package io.cohort.coordinator.job;

/** Lifecycle of a job. Terminal states never change again. */
public enum JobState {
  /** Offered to nodes; waiting for enough acceptances. */
  OFFERED,
  /** Rounds in progress. */
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED;

  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
