package io.cohort.crypto.secagg.internal;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * HKDF-SHA256 (RFC 5869) with the protocol's labels. Every derived key is bound to the session id
 * (the salt) and to a purpose label (the info), so keys for different purposes, sessions or rounds
 * never coincide (docs/secagg-scenarios.md S7).
 */
public final class Hkdf {
  /** Share-encryption key between two nodes (AES-256-GCM). */
  public static final String SHARE_ENCRYPTION = "cohort/secagg/v1/share-encryption";
  /** Pairwise mask seed between two nodes. */
  public static final String PAIRWISE_MASK = "cohort/secagg/v1/pairwise-mask";
  /** Self-mask PRG key from the seed b_u. */
  public static final String SELF_MASK = "cohort/secagg/v1/self-mask";

  public static final int KEY_SIZE_BYTES = 32;

  private Hkdf() {}

  /** HKDF-SHA256(ikm, salt, info) truncated to {@code lengthBytes}. */
  public static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int lengthBytes) {
    HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
    g.init(new HKDFParameters(ikm, salt, info));
    byte[] out = new byte[lengthBytes];
    g.generateBytes(out, 0, lengthBytes);
    return out;
  }

  /** A 32-byte key for {@code label}, bound to {@code sessionId}. */
  public static SecretBytes deriveKey(byte[] ikm, byte[] sessionId, String label) {
    return SecretBytes.wrap(derive(ikm, sessionId, label.getBytes(StandardCharsets.UTF_8), KEY_SIZE_BYTES));
  }
}
