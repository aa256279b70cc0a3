package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The long-term Ed25519 identity key each node registered with, pinned on first use for the
 * lifetime of this coordinator process. Thread-safe.
 *
 * <p>There is no PKI yet: a key is trusted because the node presented it first (TOFU), and the
 * coordinator relays these keys to the other nodes of a secure round. A malicious coordinator can
 * therefore still invent identities (SECAGG-TESTS S5) until certificates exist.
 */
public final class NodeIdentities {
  private final Map<String, IdentityPublicKey> keys = new ConcurrentHashMap<>();

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

  public Optional<IdentityPublicKey> get(String nodeId) {
    return Optional.ofNullable(keys.get(nodeId));
  }
}
