package io.cohort.crypto.secagg.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Big-endian, length-prefixed encoding of protocol messages and of signed transcripts. */
public final class WireWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  public WireWriter u8(int v) {
    out.write(v);
    return this;
  }

  public WireWriter i32(int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  public WireWriter i64(long v) {
    i32((int) (v >>> 32));
    return i32((int) v);
  }

  /** Exactly {@code b.length} bytes, no prefix: for fixed-size fields. */
  public WireWriter fixed(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  /** A 4-byte length, then the bytes. */
  public WireWriter bytes(byte[] b) {
    i32(b.length);
    return fixed(b);
  }

  public WireWriter string(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  public WireWriter ints(int[] values) {
    i32(values.length);
    for (int v : values) {
      i32(v);
    }
    return this;
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
