package io.cohort.crypto.secagg;

/**
 * A secure-aggregation session halted: no partial output is produced, and a node that aborted has
 * wiped its secrets and will disclose no share afterwards. Thrown again by every later call on the
 * same session.
 */
public final class SecAggAbortException extends Exception {
  private static final long serialVersionUID = 1L;
  private final AbortReason reason;

  public SecAggAbortException(AbortReason reason, String detail) {
    super(reason + ": " + detail);
    this.reason = reason;
  }

  public AbortReason reason() {
    return reason;
  }
}
