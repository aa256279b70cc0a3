package io.cohort.crypto.secagg.internal;

import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * One Shamir share (x, y) over GF(2^255 - 19): x is the holder's node id (a positive int), y a
 * canonical field element. Wire form: 4-byte big-endian x, then 32-byte little-endian y.
 *
 * <p>Security guarantees: {@link #parse} rejects, before any arithmetic, index 0 (which would be
 * the secret itself), negative indices, non-canonical y (at least p) and any length other than
 * 36 bytes (docs/secagg-scenarios.md C4). {@code toString} never shows y.
 */
public final class ShamirShare {
  public static final int SIZE_BYTES = 4 + PrimeField.ELEMENT_SIZE_BYTES;
  private final int index;
  private final BigInteger value;

  public ShamirShare(int index, BigInteger value) {
    if (index <= 0) {
      throw new IllegalArgumentException("share index must be in [1, 2^31-1], got " + index);
    }
    if (value.signum() < 0 || value.compareTo(PrimeField.P) >= 0) {
      throw new IllegalArgumentException("share value must be a canonical element of [0, 2^255-19)");
    }
    this.index = index;
    this.value = value;
  }

  public static ShamirShare parse(byte[] encoded) {
    if (encoded == null || encoded.length != SIZE_BYTES) {
      throw new IllegalArgumentException("a share has " + SIZE_BYTES + " bytes, got "
          + (encoded == null ? "none" : encoded.length));
    }
    int x = ByteBuffer.wrap(encoded, 0, 4).getInt();
    byte[] y = java.util.Arrays.copyOfRange(encoded, 4, SIZE_BYTES);
    if (!PrimeField.isCanonicalLittleEndian(y)) {
      throw new IllegalArgumentException("share value is not canonical (at least 2^255-19)");
    }
    return new ShamirShare(x, PrimeField.fromLittleEndian(y));
  }

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE_BYTES);
    b.putInt(index);
    b.put(PrimeField.toLittleEndian(value));
    return b.array();
  }

  public int index() {
    return index;
  }

  public BigInteger value() {
    return value;
  }

  @Override
  public String toString() {
    return "ShamirShare[index=" + index + ", value redacted]";
  }
}
