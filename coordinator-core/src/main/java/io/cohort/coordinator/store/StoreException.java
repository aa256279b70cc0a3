package io.cohort.coordinator.store;

/** The database failed; the message says which operation. Never carries row contents. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
