package io.cohort.coordinator.job;

/** A job file that cannot be accepted; the message names the file, line or field at fault. */
public final class JobFileException extends Exception {
  public JobFileException(String message) {
    super(message);
  }
}
