package io.cohort.crypto.keys;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A node's Ed25519 public identity key (RFC 8032), as its 32 raw bytes.
 *
 * <p>Security guarantees: {@link #verify} accepts only signatures made with the matching private
 * key over exactly the given bytes (EUF-CMA of Ed25519 as implemented by the JDK).
 */
public final class IdentityPublicKey {
  public static final int SIZE_BYTES = 32;
  private final byte[] raw;
  private final PublicKey key;

  private IdentityPublicKey(byte[] raw, PublicKey key) {
    this.raw = raw;
    this.key = key;
  }

  /** Parses the 32-byte RFC 8032 encoding; rejects other lengths and invalid points. */
  public static IdentityPublicKey fromRaw(byte[] raw) {
    if (raw == null || raw.length != SIZE_BYTES) {
      throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got "
          + (raw == null ? "none" : raw.length));
    }
    byte[] copy = raw.clone();
    // RFC 8032 5.1.3: little-endian y with the x parity in the top bit of the last byte.
    boolean xOdd = (copy[31] & 0x80) != 0;
    byte[] be = new byte[SIZE_BYTES];
    for (int i = 0; i < SIZE_BYTES; i++) {
      be[i] = copy[SIZE_BYTES - 1 - i];
    }
    be[0] &= 0x7F;
    try {
      PublicKey k = KeyFactory.getInstance("Ed25519")
          .generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, be))));
      return new IdentityPublicKey(copy, k);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid Ed25519 public key", e);
    }
  }

  static IdentityPublicKey fromJdk(PublicKey key) {
    var point = ((java.security.interfaces.EdECPublicKey) key).getPoint();
    byte[] be = point.getY().toByteArray();
    byte[] raw = new byte[SIZE_BYTES];
    for (int i = 0; i < be.length && i < SIZE_BYTES; i++) {
      raw[i] = be[be.length - 1 - i];
    }
    if (point.isXOdd()) {
      raw[31] |= (byte) 0x80;
    }
    return new IdentityPublicKey(raw, key);
  }

  public byte[] raw() {
    return raw.clone();
  }

  /** True when {@code signature} is this key's Ed25519 signature over {@code message}. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != IdentityKeyPair.SIGNATURE_BYTES) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Lowercase hex of the raw key: a stable, printable identity. */
  public String hex() {
    return HexFormat.of().formatHex(raw);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdentityPublicKey k && Arrays.equals(raw, k.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return "Ed25519PublicKey[" + hex() + "]";
  }
}
