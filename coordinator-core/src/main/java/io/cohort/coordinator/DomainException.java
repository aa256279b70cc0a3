package io.cohort.coordinator;

/**
 * A request the coordinator refuses, with a message fit for the caller and a kind that the
 * transport layers (gRPC, REST) map to their status codes in one place each.
 */
public final class DomainException extends RuntimeException {
  /** Why a request is refused; mirrors the gRPC codes we use. */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    UNAUTHENTICATED,
    RESOURCE_EXHAUSTED
  }

  private final Kind kind;

  public DomainException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static DomainException invalid(String message) {
    return new DomainException(Kind.INVALID_ARGUMENT, message);
  }

  public static DomainException notFound(String message) {
    return new DomainException(Kind.NOT_FOUND, message);
  }

  public static DomainException precondition(String message) {
    return new DomainException(Kind.FAILED_PRECONDITION, message);
  }
}
