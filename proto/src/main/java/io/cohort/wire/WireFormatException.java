package io.cohort.wire;

/** A tensor stream or file that does not follow the format; the message says what and where. */
public final class WireFormatException extends Exception {
  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
