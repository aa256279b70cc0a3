package io.cohort.crypto.secagg;

import java.security.GeneralSecurityException;

/** A protocol message could not be parsed (wrong tag, version, length or field); nothing was applied. */
public final class MalformedMessageException extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;

  public MalformedMessageException(String message, Throwable cause) {
    super(message, cause);
  }

  public MalformedMessageException(String message) {
    super(message);
  }
}
