package io.cohort.crypto.secagg.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link WireWriter} writes, refusing lengths beyond the remaining input or a caller's
 * bound, and trailing bytes ({@link #end()}), so a malformed message fails at parse time with an
 * {@link IllegalArgumentException} naming the field.
 */
public final class WireReader {
  private final ByteBuffer in;

  public WireReader(byte[] data) {
    this.in = ByteBuffer.wrap(data);
  }

  public int u8(String field) {
    need(1, field);
    return in.get() & 0xff;
  }

  public int i32(String field) {
    need(4, field);
    return in.getInt();
  }

  public long i64(String field) {
    need(8, field);
    return in.getLong();
  }

  public byte[] fixed(int size, String field) {
    need(size, field);
    byte[] b = new byte[size];
    in.get(b);
    return b;
  }

  public byte[] bytes(int maxSize, String field) {
    int len = i32(field + " length");
    if (len < 0 || len > maxSize) {
      throw new IllegalArgumentException(field + " length must be in [0, " + maxSize + "], got " + len);
    }
    return fixed(len, field);
  }

  public String string(int maxBytes, String field) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes(maxBytes, field))).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(field + " is not valid UTF-8", e);
    }
  }

  public int[] ints(int maxCount, String field) {
    int n = i32(field + " count");
    if (n < 0 || n > maxCount) {
      throw new IllegalArgumentException(field + " count must be in [0, " + maxCount + "], got " + n);
    }
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = i32(field);
    }
    return v;
  }

  public int count(int max, String field) {
    int n = i32(field + " count");
    if (n < 0 || n > max) {
      throw new IllegalArgumentException(field + " count must be in [0, " + max + "], got " + n);
    }
    return n;
  }

  public void end() {
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " trailing bytes after the message");
    }
  }

  private void need(int n, String field) {
    if (in.remaining() < n) {
      throw new IllegalArgumentException("message truncated in " + field + ": need " + n
          + " bytes, " + in.remaining() + " left");
    }
  }
}
