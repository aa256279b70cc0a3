package io.cohort.coordinator.pki;

import io.cohort.crypto.pki.NodeCertificate;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which nodes are revoked, as of when. Revoking a node refuses every certificate issued to it up
 * to that moment, including certificates issued offline that the coordinator never recorded; a
 * certificate issued later (re-enrolment with a new token) is accepted again.
 *
 * <p>Checked on every call from a node, so a revocation takes effect on the node's next call (its
 * next heartbeat at the latest). Reads are lock-free; the table is durable in the database.
 */
public final class Revocations {
  /** Certificates start five minutes before issue (clock skew); the issue time is notBefore plus this. */
  static final Duration ISSUE_SKEW = Duration.ofMinutes(5);
  private final PkiStore store;
  private final Clock clock;
  private final Map<String, Instant> revokedAt = new ConcurrentHashMap<>();

  public Revocations(PkiStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
    revokedAt.putAll(store.revocations());
  }

  /** Revokes every certificate of {@code nodeId} issued until now; returns the revocation time. */
  public Instant revoke(String nodeId, String actor) {
    Instant now = clock.instant();
    store.revoke(nodeId, now, actor);
    revokedAt.put(nodeId, now);
    return now;
  }

  /** When {@code nodeId} was last revoked, if ever. */
  public java.util.Optional<Instant> revokedAt(String nodeId) {
    return java.util.Optional.ofNullable(revokedAt.get(nodeId));
  }

  /** Serials of the recorded certificates revoked so far, for the published CRL. */
  public List<BigInteger> revokedSerials() {
    return store.revokedSerials().stream().map(hex -> new BigInteger(hex, 16)).toList();
  }

  public boolean isRevoked(NodeCertificate cert) {
    Instant at = revokedAt.get(cert.nodeId());
    return at != null && !cert.notBefore().plus(ISSUE_SKEW).isAfter(at);
  }
}
