package io.cohort.crypto.secagg.internal;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Arithmetic in GF(p), p = 2^255 - 19 (the Curve25519 field, RFC 7748), used for Shamir sharing.
 * Elements are encoded as 32 bytes little-endian, as X25519 encodes scalars, so that a clamped
 * X25519 private key is itself a field element and shares of it rebuild it bit-exactly.
 */
public final class PrimeField {
  public static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
  public static final int ELEMENT_SIZE_BYTES = 32;

  private PrimeField() {}

  /** A uniformly random element of [0, p), by rejection sampling (p is within 2^-250 of 2^255). */
  public static BigInteger random(SecureRandom random) {
    byte[] b = new byte[ELEMENT_SIZE_BYTES];
    try {
      while (true) {
        random.nextBytes(b);
        b[31] &= 0x7f;
        BigInteger v = fromLittleEndian(b);
        if (v.compareTo(P) < 0) {
          return v;
        }
      }
    } finally {
      java.util.Arrays.fill(b, (byte) 0);
    }
  }

  public static BigInteger fromLittleEndian(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    BigInteger v = new BigInteger(1, be);
    java.util.Arrays.fill(be, (byte) 0);
    return v;
  }

  /** The canonical 32-byte little-endian encoding of {@code v} in [0, p). */
  public static byte[] toLittleEndian(BigInteger v) {
    if (v.signum() < 0 || v.compareTo(P) >= 0) {
      throw new IllegalArgumentException("not a canonical field element (must be in [0, 2^255-19))");
    }
    byte[] be = v.toByteArray();
    byte[] le = new byte[ELEMENT_SIZE_BYTES];
    for (int i = 0; i < be.length && i < ELEMENT_SIZE_BYTES; i++) {
      le[i] = be[be.length - 1 - i];
    }
    return le;
  }

  /** True when the 32 little-endian bytes encode a value below p (docs/secagg-scenarios.md C4). */
  public static boolean isCanonicalLittleEndian(byte[] le) {
    return le.length == ELEMENT_SIZE_BYTES && fromLittleEndian(le).compareTo(P) < 0;
  }
}
