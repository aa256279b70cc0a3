package io.cohort.crypto.secagg.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The mask generator: a stream of words of Z_2^32 from AES-256 in counter mode (NIST SP 800-38A),
 * keyed by a full 32-byte seed, with the initial counter block all zeros. Word i is keystream bytes
 * 4i..4i+3 read little-endian, so every value of Z_2^32 is reachable and the stream is the same on
 * every JVM and CPU (docs/secagg-scenarios.md A4, A5). Each seed keys exactly one stream, so the fixed counter
 * start never repeats a (key, counter) pair; a vector of at most 2^31 words uses 2^29 counter
 * blocks, far from wrapping.
 *
 * <p>Uses the JDK's SunJCE AES, which HotSpot compiles to AES-NI counter-mode intrinsics;
 * BouncyCastle's pure-Java AES is two orders of magnitude slower (see the throughput harness).
 * The stream is consumed in chunks of {@link #CHUNK_BYTES}, so no caller needs a full-vector
 * buffer. Not thread-safe.
 *
 * <p>Security guarantees: as long as AES-256 is a PRF, the words are indistinguishable from
 * independent uniform words of Z_2^32 to anyone without the seed.
 */
public final class MaskStream {
  /** Keystream produced per cipher call: small enough to stay in L2, large enough to amortise calls. */
  public static final int CHUNK_BYTES = 1 << 16;
  private static final int CHUNK_WORDS = CHUNK_BYTES / 4;
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final byte[] ZEROS = new byte[CHUNK_BYTES];

  private final Cipher cipher;
  private final byte[] keystream = new byte[CHUNK_BYTES];

  /** A stream keyed by {@code seed} (32 bytes); the seed is copied into the cipher, not retained. */
  public MaskStream(SecretBytes seed) {
    this(seed, new byte[16]);
  }

  /** Visible for the NIST SP 800-38A known-answer test, which uses a non-zero initial counter. */
  MaskStream(SecretBytes seed, byte[] initialCounter) {
    if (seed.sizeBytes() != 32) {
      throw new IllegalArgumentException("a mask seed has 32 bytes (AES-256), got " + seed.sizeBytes());
    }
    byte[] k = seed.revealCopy();
    try {
      Cipher c = newCtrCipher();
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, "AES"), new IvParameterSpec(initialCounter));
      this.cipher = c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR unavailable", e);
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  /** SunJCE first: it is the provider with the AES-NI intrinsics, whatever else is registered. */
  private static Cipher newCtrCipher() throws GeneralSecurityException {
    try {
      return Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
    } catch (GeneralSecurityException e) {
      return Cipher.getInstance("AES/CTR/NoPadding");
    }
  }

  private void fill(int bytes) {
    try {
      cipher.update(ZEROS, 0, bytes, keystream, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR failed", e);
    }
  }

  /** Writes the next {@code len} words into {@code dst[off..]}. */
  public void next(int[] dst, int off, int len) {
    while (len > 0) {
      int n = Math.min(len, CHUNK_WORDS);
      fill(n * 4);
      for (int i = 0; i < n; i++) {
        dst[off + i] = (int) LE_INT.get(keystream, i * 4);
      }
      off += n;
      len -= n;
    }
  }

  /** acc[off + i] += sign * word_i (mod 2^32) for the next {@code len} words; sign is +1 or -1. */
  public void addTo(int[] acc, int off, int len, boolean subtract) {
    while (len > 0) {
      int n = Math.min(len, CHUNK_WORDS);
      fill(n * 4);
      if (subtract) {
        for (int i = 0; i < n; i++) {
          acc[off + i] -= (int) LE_INT.get(keystream, i * 4);
        }
      } else {
        for (int i = 0; i < n; i++) {
          acc[off + i] += (int) LE_INT.get(keystream, i * 4);
        }
      }
      off += n;
      len -= n;
    }
  }

  /** Like {@link #addTo(int[], int, int, boolean)} on a little-endian word buffer (a wire payload). */
  public void addToLittleEndian(byte[] buf, int wordOff, int len, boolean subtract) {
    while (len > 0) {
      int n = Math.min(len, CHUNK_WORDS);
      fill(n * 4);
      int base = wordOff * 4;
      if (subtract) {
        for (int i = 0; i < n * 4; i += 4) {
          LE_INT.set(buf, base + i, (int) LE_INT.get(buf, base + i) - (int) LE_INT.get(keystream, i));
        }
      } else {
        for (int i = 0; i < n * 4; i += 4) {
          LE_INT.set(buf, base + i, (int) LE_INT.get(buf, base + i) + (int) LE_INT.get(keystream, i));
        }
      }
      wordOff += n;
      len -= n;
    }
  }

  /**
   * Runs about 200 MiB through both add paths so HotSpot compiles the AES-NI counter-mode intrinsic
   * and the word loops before round 1 (measured: 16 MiB left the first round at under 1 GiB/s, warm
   * runs reach several GiB/s). Takes well under a second once compiled; call once at start-up.
   */
  public static void warmUp() {
    MaskStream s = new MaskStream(SecretBytes.wrap(new byte[32]));
    int[] acc = new int[CHUNK_WORDS];
    byte[] le = new byte[CHUNK_BYTES];
    for (int i = 0; i < 1600; i++) {
      s.addTo(acc, 0, acc.length, (i & 1) == 0);
      s.addToLittleEndian(le, 0, CHUNK_WORDS, (i & 1) == 0);
    }
  }
}
