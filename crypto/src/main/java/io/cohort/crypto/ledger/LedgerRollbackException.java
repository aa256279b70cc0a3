package io.cohort.crypto.ledger;

/**
 * A ledger file is behind what was acknowledged for it: its local anchor, or the coordinator's
 * last acknowledged entry, names an entry the file no longer has (or a different one). Its newest
 * entries were removed or replaced, so its spend under-counts; the node must not accept or train
 * on the dataset until an operator restores the file.
 */
public final class LedgerRollbackException extends LedgerException {
  private static final long serialVersionUID = 1L;

  public LedgerRollbackException(String message) {
    super(message);
  }
}
