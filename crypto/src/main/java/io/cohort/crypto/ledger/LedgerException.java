package io.cohort.crypto.ledger;

import java.io.IOException;

/** A ledger cannot be used: corrupt, tampered with, signed by another key, locked, or a write failed. */
public class LedgerException extends IOException {
  private static final long serialVersionUID = 1L;

  public LedgerException(String message) {
    super(message);
  }

  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
