package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The long-term Ed25519 identity key each node registered with. Thread-safe.
 *
 * <p>Under mutual TLS the key a node registers with is the one its certificate certifies (the
 * transport checks that), so the newest certified key replaces the old one: a node that enrolled
 * again with a new key pair is accepted at once, without a coordinator restart, and its old
 * certificate stops working only through revocation. In plaintext development mode there is no
 * certificate: a key is pinned on first use (TOFU) for the lifetime of this process, so one node
 * cannot take over another's identity by registering under its id.
 */
public final class NodeIdentities {
  private final Map<String, IdentityPublicKey> keys = new ConcurrentHashMap<>();
  private final Map<String, byte[]> certificates = new ConcurrentHashMap<>();
  private volatile java.util.function.Supplier<byte[]> revocationList = () -> new byte[0];

  /**
   * Records the key a node registers with. An empty key means the node has none (it cannot take
   * part in secure rounds). A key different from the one pinned for this node id is refused, so one
   * node cannot take over another's identity by registering under its id.
   */
  public void record(String nodeId, byte[] raw) {
    if (raw.length == 0) {
      return;
    }
    IdentityPublicKey key;
    try {
      key = IdentityPublicKey.fromRaw(raw);
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid("public_keys.identity_key_ed25519: " + e.getMessage());
    }
    IdentityPublicKey pinned = keys.putIfAbsent(nodeId, key);
    if (pinned != null && !pinned.equals(key)) {
      throw DomainException.precondition("node '" + nodeId + "' registered earlier with another identity key;"
          + " a node's identity key cannot change while the coordinator runs");
    }
  }

  /**
   * Records the key a node registers with whose certificate, validated on this very call, certifies
   * it: it replaces any key recorded before (re-enrolment with a new key pair).
   */
  public void recordCertified(String nodeId, byte[] raw) {
    IdentityPublicKey key;
    try {
      key = IdentityPublicKey.fromRaw(raw);
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid("public_keys.identity_key_ed25519: " + e.getMessage());
    }
    keys.put(nodeId, key);
  }

  /**
   * Like {@link #recordCertified(String, byte[])}, and keeps the certificate (DER) that certifies the
   * key, which secure rounds relay to the node's peers so that they check it themselves (issue 21 #2).
   */
  public void recordCertified(String nodeId, byte[] raw, byte[] certificateDer) {
    recordCertified(nodeId, raw);
    if (certificateDer != null && certificateDer.length > 0) {
      certificates.put(nodeId, certificateDer.clone());
    }
  }

  /** The certificate a node last registered with under mutual TLS; empty in plaintext development mode. */
  public Optional<byte[]> certificate(String nodeId) {
    return Optional.ofNullable(certificates.get(nodeId));
  }

  /** Where the federation's current CRL (DER) comes from; relayed with every secure round. */
  public void setRevocationList(java.util.function.Supplier<byte[]> source) {
    this.revocationList = source;
  }

  /** The CRL to relay now (empty when there is none, e.g. in development mode). */
  public byte[] revocationListDer() {
    try {
      byte[] der = revocationList.get();
      return der == null ? new byte[0] : der;
    } catch (RuntimeException e) {
      return new byte[0];
    }
  }

  public Optional<IdentityPublicKey> get(String nodeId) {
    return Optional.ofNullable(keys.get(nodeId));
  }

  /**
   * The sessions among {@code sessions} whose node registered an identity key, in order (a mutable list), and
   * those keys by node id: secure aggregation can only include nodes it can authenticate.
   */
  Keyed keyed(Iterable<io.cohort.coordinator.node.NodeSession> sessions) {
    java.util.List<io.cohort.coordinator.node.NodeSession> participants = new java.util.ArrayList<>();
    Map<String, IdentityPublicKey> byNode = new java.util.HashMap<>();
    for (io.cohort.coordinator.node.NodeSession s : sessions) {
      get(s.nodeId()).ifPresent(k -> {
        participants.add(s);
        byNode.put(s.nodeId(), k);
      });
    }
    return new Keyed(participants, byNode);
  }

  /** The certificates of the nodes of {@code sessions} that have one, by node id, for peers to check. */
  Map<String, byte[]> certificates(Iterable<io.cohort.coordinator.node.NodeSession> sessions) {
    Map<String, byte[]> out = new java.util.HashMap<>();
    for (io.cohort.coordinator.node.NodeSession s : sessions) {
      certificate(s.nodeId()).ifPresent(c -> out.put(s.nodeId(), c));
    }
    return out;
  }

  /** What {@link #keyed} returns. */
  record Keyed(java.util.List<io.cohort.coordinator.node.NodeSession> participants,
      Map<String, IdentityPublicKey> keys) {}
}
