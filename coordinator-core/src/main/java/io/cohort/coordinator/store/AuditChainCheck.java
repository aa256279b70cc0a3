package io.cohort.coordinator.store;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditVerification;
import java.util.Optional;

/**
 * The coordinator's startup check of its audit log (issue 22 #7): it used to start on a broken
 * chain without a word. Now a broken chain stops the start, unless the operator explicitly allows
 * it ({@code cohort.audit.allow-broken-chain=true}); that permission is itself written to the log,
 * with the problem it accepted, so the override cannot pass unnoticed either.
 */
public final class AuditChainCheck {
  /** The audit action recorded when a start is allowed on a broken chain. */
  public static final String ACCEPTED_ACTION = "audit.broken_chain_accepted";
  /** The setting that allows it. */
  public static final String ALLOW_SETTING = "cohort.audit.allow-broken-chain";

  /** Thrown when the chain is broken and the start was not allowed. */
  public static final class BrokenChainException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BrokenChainException(String message) {
      super(message);
    }
  }

  private AuditChainCheck() {}

  /**
   * Verifies the chain. When it holds, adopts its head (what nodes witness). When it is broken:
   * throws, or with {@code allowBroken} records {@value #ACCEPTED_ACTION} and returns the warning
   * to log.
   *
   * @return empty when the chain verified; otherwise the warning for the log
   * @throws BrokenChainException when the chain is broken and {@code allowBroken} is false
   */
  public static Optional<String> atStartup(JobStore store, boolean allowBroken) {
    AuditVerification v = store.verifyAudit();
    if (v.ok()) {
      store.auditLog().adopt(v.headSeq(), v.headHash());
      return Optional.empty();
    }
    String problem = "the audit log is broken at entry " + v.firstBadSeq() + ": " + v.problem();
    if (!allowBroken) {
      throw new BrokenChainException(problem + ". The coordinator refuses to start on a broken audit log:"
          + " investigate with `cohort audit verify --local --data-dir DIR` (and --witness with a node's"
          + " `cohort-node audit-head` file), restore the database and audit.head from a backup, or start once with "
          + ALLOW_SETTING + "=true to accept the log as it is (that start is recorded in the audit log)");
    }
    // Appending re-anchors the log on the new entry; the broken link stays for every later verify to see.
    store.audit(AuditEvent.system(ACCEPTED_ACTION, null, null, null, "started with " + ALLOW_SETTING
        + "=true although " + problem + " (" + v.entries() + " entries read)"));
    return Optional.of("STARTING ON A BROKEN AUDIT LOG because " + ALLOW_SETTING + "=true: " + problem
        + "; recorded as " + ACCEPTED_ACTION + " in the audit log");
  }
}
