package io.cohort.crypto.witness;

import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The head of the coordinator's audit log (newest entry's sequence number and chain hash) signed
 * with the coordinator's Ed25519 provenance key, the key {@code cohort job verify-export} pins.
 *
 * <p>Security guarantees: a node that keeps the newest head it has seen holds evidence, outside
 * the coordinator's host, that the log once reached {@code seq} with {@code entryHash}; a log cut
 * back or rewritten below that point no longer contains it. The signature binds the head to the
 * key (domain-separated, so no manifest signature can be replayed as a head or the reverse); it
 * does not stop someone holding the coordinator's key from signing a false head, which is why a
 * node refuses to move backwards rather than trusting the newest signature.
 *
 * @param seq the newest committed entry's sequence number (0 for an empty log)
 * @param entryHash that entry's chain hash, 64 lower-case hex characters
 * @param signer the coordinator's provenance public key
 * @param signature Ed25519 over {@link #message}
 */
public record SignedAuditHead(long seq, String entryHash, IdentityPublicKey signer, byte[] signature) {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  public SignedAuditHead {
    if (seq < 0) {
      throw new IllegalArgumentException("an audit head's seq must be >= 0, got " + seq);
    }
    if (entryHash == null || !HASH.matcher(entryHash).matches()) {
      throw new IllegalArgumentException("an audit head's entry hash must be 64 lower-case hex characters, got '"
          + entryHash + "'");
    }
    if (signer == null || signature == null || signature.length != IdentityKeyPair.SIGNATURE_BYTES) {
      throw new IllegalArgumentException("an audit head needs its signer's key and a 64-byte Ed25519 signature");
    }
    signature = signature.clone();
  }

  /** Signs {@code seq} and {@code entryHash} with {@code key}. */
  public static SignedAuditHead sign(long seq, String entryHash, IdentityKeyPair key) {
    return new SignedAuditHead(seq, entryHash, key.publicKey(), key.sign(message(seq, entryHash)));
  }

  /** What is signed: {@code "cohort-audit-head-v1\n" + seq + "\n" + entryHash}, in ASCII. */
  public static byte[] message(long seq, String entryHash) {
    return ("cohort-audit-head-v1\n" + seq + "\n" + entryHash).getBytes(StandardCharsets.US_ASCII);
  }

  /** Whether the signature is the signer's over this seq and hash. */
  public boolean verifies() {
    return signer.verify(message(seq, entryHash), signature);
  }

  /** {@code sha256:<hex>} of the signer's raw key: the coordinator's provenance fingerprint. */
  public String signerFingerprint() {
    return "sha256:" + Digests.sha256Hex(signer.raw());
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The same head: seq, hash and signer (two valid signatures of one head may differ only if re-signed). */
  public boolean sameHeadAs(SignedAuditHead other) {
    return seq == other.seq && entryHash.equals(other.entryHash) && signer.equals(other.signer);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedAuditHead h && sameHeadAs(h) && Arrays.equals(signature, h.signature);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seq) * 31 + entryHash.hashCode();
  }

  @Override
  public String toString() {
    return "audit head " + seq + " " + entryHash + " signed by " + signerFingerprint() + " (signature "
        + HexFormat.of().formatHex(signature).substring(0, 16) + "…)";
  }
}
