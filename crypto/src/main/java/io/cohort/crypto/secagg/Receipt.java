package io.cohort.crypto.secagg;

/**
 * The coordinator's verdict on one incoming message; the transport maps it to a status code
 * ({@code REJECTED} → INVALID_ARGUMENT or PERMISSION_DENIED, {@code LATE} → FAILED_PRECONDITION).
 * The reason names ids and sizes, never secrets.
 */
public record Receipt(Status status, String reason) {
  /** What happened to the message. */
  public enum Status {
    /** Applied. */
    ACCEPTED,
    /** An identical copy was already applied (D11); nothing changed. */
    DUPLICATE,
    /** The message's stage is closed (a straggler, D8, D10); discarded. */
    LATE,
    /** Not part of this session, badly signed or malformed (D9, S8, C5, C7); discarded. */
    REJECTED
  }

  static Receipt accepted() {
    return new Receipt(Status.ACCEPTED, "");
  }

  static Receipt duplicate() {
    return new Receipt(Status.DUPLICATE, "identical copy already applied");
  }

  static Receipt late(Object stage) {
    return new Receipt(Status.LATE, "stage closed; now in " + stage);
  }

  static Receipt rejected(String reason) {
    return new Receipt(Status.REJECTED, reason);
  }

  public boolean isAccepted() {
    return status == Status.ACCEPTED;
  }
}
