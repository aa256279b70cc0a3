package io.cohort.crypto.secagg.internal;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A secret byte string (a key, a seed, a share) that never prints its contents and can be
 * zeroed. In the spirit of Tink's {@code SecretBytes}: contents leave only through the greppable
 * {@link #revealCopy()} and {@link #revealInto(byte[])}.
 *
 * <p>Security guarantees: {@code toString} never shows the bytes; {@link #equalsConstantTime}
 * runs in time independent of where the contents differ; {@link #destroy()} overwrites the
 * bytes with zeros. Zeroing is best effort: the JVM may have copied the array (GC compaction),
 * and copies handed out by {@link #revealCopy()} are the caller's to wipe.
 */
public final class SecretBytes {
  private final byte[] bytes;
  private boolean destroyed;

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Takes ownership of {@code bytes}: the caller must not keep or reuse the array. */
  public static SecretBytes wrap(byte[] bytes) {
    return new SecretBytes(bytes);
  }

  /** Copies {@code bytes}; the caller still owns (and should wipe) its array. */
  public static SecretBytes copyOf(byte[] bytes) {
    return new SecretBytes(bytes.clone());
  }

  public int sizeBytes() {
    return bytes.length;
  }

  /** A copy of the secret. The caller must wipe it ({@code Arrays.fill(copy, (byte) 0)}) after use. */
  public byte[] revealCopy() {
    checkAlive();
    return bytes.clone();
  }

  /** Copies the secret into {@code dst} (which must be exactly {@link #sizeBytes()} long). */
  public void revealInto(byte[] dst) {
    checkAlive();
    if (dst.length != bytes.length) {
      throw new IllegalArgumentException("destination has " + dst.length + " bytes, secret has " + bytes.length);
    }
    System.arraycopy(bytes, 0, dst, 0, bytes.length);
  }

  public boolean equalsConstantTime(SecretBytes other) {
    checkAlive();
    return MessageDigest.isEqual(bytes, other.bytes);
  }

  /** Overwrites the secret with zeros; later reveals throw. Idempotent. */
  public void destroy() {
    Arrays.fill(bytes, (byte) 0);
    destroyed = true;
  }

  public boolean isDestroyed() {
    return destroyed;
  }

  private void checkAlive() {
    if (destroyed) {
      throw new IllegalStateException("secret already destroyed");
    }
  }

  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes, redacted]";
  }
}
