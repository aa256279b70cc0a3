package io.cohort.client.privacy;

/** The node will not train or release this round (or join this job); the message says why, with the numbers. */
public final class RoundRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  public RoundRefusedException(String message) {
    super(message);
  }
}
