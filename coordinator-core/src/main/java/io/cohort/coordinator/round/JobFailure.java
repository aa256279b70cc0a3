package io.cohort.coordinator.round;

/** A job cannot go on; the message is stored as the job's failure reason. */
public final class JobFailure extends Exception {
  public JobFailure(String message) {
    super(message, null, false, false);
  }
}
