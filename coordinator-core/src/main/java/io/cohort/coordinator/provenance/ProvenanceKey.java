package io.cohort.coordinator.provenance;

import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The coordinator's Ed25519 key that signs provenance manifests. Created on the coordinator's
 * first start as {@code <data-dir>/provenance.key} (PKCS#8, mode 0600, by the JDK's Ed25519
 * provider); the private half never leaves that file and is never logged. Its public half is
 * published at {@code GET /api/v1/provenance/key} and named by its fingerprint.
 */
public final class ProvenanceKey {
  public static final String FILE_NAME = "provenance.key";
  private final IdentityKeyPair pair;

  private ProvenanceKey(IdentityKeyPair pair) {
    this.pair = pair;
  }

  /** Loads the key from the data directory, creating it (0600) on first use. */
  public static ProvenanceKey loadOrCreate(Path dataDir) throws IOException {
    return new ProvenanceKey(IdentityKeyPair.loadOrCreate(dataDir.resolve(FILE_NAME)));
  }

  public IdentityPublicKey publicKey() {
    return pair.publicKey();
  }

  /** {@code sha256:<hex>} of the 32 raw public-key bytes: what an operator compares out of band. */
  public String fingerprint() {
    return fingerprint(pair.publicKey());
  }

  public static String fingerprint(IdentityPublicKey key) {
    return "sha256:" + Digests.sha256Hex(key.raw());
  }

  byte[] sign(byte[] message) {
    return pair.sign(message);
  }

  /**
   * Signs the audit log's head for the nodes' witnesses (issue 22 #7). The same key as manifests,
   * so that the fingerprint an operator already pins for {@code verify-export} also vouches for
   * the heads; the two messages are domain-separated ({@code cohort-audit-head-v1} vs a manifest's
   * JSON), so neither signature can stand for the other.
   */
  public io.cohort.crypto.witness.SignedAuditHead signAuditHead(long seq, String entryHash) {
    return io.cohort.crypto.witness.SignedAuditHead.sign(seq, entryHash, pair);
  }

  @Override
  public String toString() {
    return "ProvenanceKey[" + fingerprint() + "]";
  }
}
