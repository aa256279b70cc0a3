package io.cohort.crypto.secagg.internal;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * An ephemeral X25519 key pair (RFC 7748) for one round, via BouncyCastle.
 *
 * <p>The private scalar is stored already clamped (RFC 7748 section 5), so that it is a canonical
 * element of the Shamir field GF(2^255 - 19) and can be secret-shared and rebuilt exactly; X25519
 * clamps again, which is idempotent. A clamped scalar is below 2^255 but may (with probability
 * about 2^-250) be at least p; such scalars are redrawn.
 *
 * <p>Security guarantees: private keys come from {@link SecureRandom}; {@link #agree} rejects
 * low-order peer keys (all-zero shared secret); {@code toString} shows only the public key length.
 */
public final class X25519KeyPair {
  public static final int KEY_SIZE_BYTES = 32;
  private final SecretBytes privateKey;
  private final byte[] publicKey;

  private X25519KeyPair(SecretBytes privateKey, byte[] publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  public static X25519KeyPair generate(SecureRandom random) {
    byte[] sk = new byte[KEY_SIZE_BYTES];
    do {
      random.nextBytes(sk);
      clamp(sk);
    } while (!PrimeField.isCanonicalLittleEndian(sk));
    return fromPrivate(sk);
  }

  /** Rebuilds the pair from a clamped private scalar (takes ownership of {@code sk}). */
  public static X25519KeyPair fromPrivate(byte[] sk) {
    byte[] pk = new byte[KEY_SIZE_BYTES];
    X25519.scalarMultBase(sk, 0, pk, 0);
    return new X25519KeyPair(SecretBytes.wrap(sk), pk);
  }

  /** The public key for a private scalar, for checking a rebuilt key (docs/secagg-scenarios.md C2). */
  public static byte[] publicKeyOf(byte[] sk) {
    byte[] pk = new byte[KEY_SIZE_BYTES];
    X25519.scalarMultBase(sk, 0, pk, 0);
    return pk;
  }

  static void clamp(byte[] k) {
    k[0] &= (byte) 248;
    k[31] &= (byte) 127;
    k[31] |= (byte) 64;
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public SecretBytes privateKey() {
    return privateKey;
  }

  /** The private scalar as a field element, for secret sharing. */
  public BigInteger privateScalar() {
    byte[] sk = privateKey.revealCopy();
    try {
      return PrimeField.fromLittleEndian(sk);
    } finally {
      Arrays.fill(sk, (byte) 0);
    }
  }

  /** The raw X25519 shared secret with {@code peerPublicKey}; throws on a low-order peer key. */
  public byte[] agree(byte[] peerPublicKey) {
    return agree(privateKey, peerPublicKey);
  }

  public static byte[] agree(SecretBytes privateKey, byte[] peerPublicKey) {
    if (peerPublicKey.length != KEY_SIZE_BYTES) {
      throw new IllegalArgumentException("an X25519 public key has 32 bytes, got " + peerPublicKey.length);
    }
    byte[] sk = privateKey.revealCopy();
    byte[] shared = new byte[KEY_SIZE_BYTES];
    try {
      if (!X25519.calculateAgreement(sk, 0, peerPublicKey, 0, shared, 0)) {
        throw new IllegalArgumentException("X25519 peer key is of low order (all-zero shared secret)");
      }
      return shared;
    } finally {
      Arrays.fill(sk, (byte) 0);
    }
  }

  public void destroy() {
    privateKey.destroy();
  }

  @Override
  public String toString() {
    return "X25519KeyPair[private redacted]";
  }
}
