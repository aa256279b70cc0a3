package io.cohort.crypto.secagg.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The coordinator's single running sum in Z_2^32: masked inputs are added one at a time as they
 * arrive, so it never holds more than this accumulator plus the message in hand (Bonawitz et al.
 * 2017 need only the sum).
 */
public final class Accumulator {
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private final int[] words;

  public Accumulator(int lengthWords) {
    this.words = new int[lengthWords];
  }

  /** words[i] += payload word i (little-endian); the payload must have exactly the same length. */
  public void add(byte[] payloadLe) {
    if (payloadLe.length != words.length * 4) {
      throw new IllegalArgumentException("payload has " + payloadLe.length + " bytes, expected " + words.length * 4);
    }
    add(payloadLe, 0, words.length);
  }

  /** words[i] += word i of {@code buf} read little-endian from byte {@code off}; exactly this length. */
  public void add(byte[] buf, int off, int lengthWords) {
    if (lengthWords != words.length || off < 0 || buf.length - off < (long) lengthWords * 4) {
      throw new IllegalArgumentException("payload has " + (buf.length - off) + " bytes, expected " + words.length * 4);
    }
    int[] w = words;
    for (int i = 0; i < w.length; i++) {
      w[i] += (int) LE_INT.get(buf, off + i * 4);
    }
  }

  /** The backing array (not a copy): the unmasking step works on it in place. */
  public int[] words() {
    return words;
  }

  /**
   * The first index whose signed value lies outside [-bound, bound] (for i below the weight word) or
   * whose unsigned weight exceeds {@code maxWeight}, or -1. After correct unmasking every honest sum
   * is in range; a mask that failed to cancel makes a coordinate uniform in Z_2^32, which falls in
   * range with probability (2·bound + 1) / 2^32 per coordinate (C7).
   */
  public int firstOutOfRange(long bound, long minWeight, long maxWeight) {
    int d = words.length - 1;
    for (int i = 0; i < d; i++) {
      long v = words[i];
      if (v > bound || v < -bound) {
        return i;
      }
    }
    long w = Integer.toUnsignedLong(words[d]);
    return w < minWeight || w > maxWeight ? d : -1;
  }
}
