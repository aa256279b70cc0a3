package io.cohort.crypto.pki;

/** A PKI operation failed or a certificate, request or list was rejected; the message says which and why. */
public class PkiException extends Exception {
  private static final long serialVersionUID = 1L;

  public PkiException(String message) {
    super(message);
  }

  public PkiException(String message, Throwable cause) {
    super(message, cause);
  }
}
