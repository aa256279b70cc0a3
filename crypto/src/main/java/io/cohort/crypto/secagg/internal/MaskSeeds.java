package io.cohort.crypto.secagg.internal;

import java.util.Arrays;

/**
 * Derivation of every symmetric key of a session from X25519 agreements or from b_u, always through
 * HKDF-SHA256 with the session id as salt (Bonawitz et al. 2017, section 4: KA.agree then a KDF).
 * Binding the session id means the same key pairs in another round or session would still give
 * unrelated masks and keys (S7); fresh key pairs per round make that doubly sure.
 */
public final class MaskSeeds {
  private MaskSeeds() {}

  /** The pairwise mask seed s_{u,v} = s_{v,u}: X25519 is symmetric, and the label has no order. */
  public static SecretBytes pairwise(SecretBytes maskPrivateKey, byte[] peerMaskPublicKey, byte[] sessionId) {
    return derive(maskPrivateKey, peerMaskPublicKey, sessionId, Hkdf.PAIRWISE_MASK);
  }

  /** The AES-256-GCM key for shares between two nodes (either direction). */
  public static SecretBytes shareKey(SecretBytes cipherPrivateKey, byte[] peerCipherPublicKey, byte[] sessionId) {
    return derive(cipherPrivateKey, peerCipherPublicKey, sessionId, Hkdf.SHARE_ENCRYPTION);
  }

  /** The AES key of the self mask PRG(b_u), from the field element b_u (32 bytes little-endian). */
  public static SecretBytes selfMask(byte[] seedLe, byte[] sessionId) {
    return Hkdf.deriveKey(seedLe, sessionId, Hkdf.SELF_MASK);
  }

  private static SecretBytes derive(SecretBytes sk, byte[] peerPk, byte[] sessionId, String label) {
    byte[] shared = X25519KeyPair.agree(sk, peerPk);
    try {
      return Hkdf.deriveKey(shared, sessionId, label);
    } finally {
      Arrays.fill(shared, (byte) 0);
    }
  }
}
