package io.cohort.crypto.secagg;

import java.security.GeneralSecurityException;

/** A secure-aggregation parameter is outside its allowed range; the message names both. */
public final class InvalidSecAggParametersException extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;

  public InvalidSecAggParametersException(String message) {
    super(message);
  }
}
