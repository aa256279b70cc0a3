package io.cohort.coordinator.audit;

import io.cohort.crypto.witness.SignedAuditHead;
import java.util.Optional;

/**
 * The audit log's current head, signed for the nodes that witness it (issue 22 #7). The signature
 * is made once per head and reused for every heartbeat until the log advances.
 */
public final class SignedHeads {
  /** Signs a head; the coordinator's provenance key does ({@code ProvenanceKey::signAuditHead}). */
  @FunctionalInterface
  public interface Signer {
    SignedAuditHead sign(long seq, String entryHash);
  }

  private final AuditLog log;
  private final Signer signer;
  private volatile SignedAuditHead last;

  public SignedHeads(AuditLog log, Signer signer) {
    this.log = log;
    this.signer = signer;
  }

  /** The signed current head, or empty while the log has none (before startup verification). */
  public Optional<SignedAuditHead> current() {
    Optional<AuditLog.Head> head = log.head();
    if (head.isEmpty()) {
      return Optional.empty();
    }
    AuditLog.Head h = head.get();
    SignedAuditHead cached = last;
    if (cached != null && cached.seq() == h.seq() && cached.entryHash().equals(h.hash())) {
      return Optional.of(cached);
    }
    SignedAuditHead signed = signer.sign(h.seq(), h.hash());
    last = signed;
    return Optional.of(signed);
  }
}
