package io.cohort.crypto.secagg.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes y_u = q(x_u) + PRG(b_u) + Σ_{v>u} PRG(s_uv) − Σ_{v<u} PRG(s_uv) in Z_2^32 (Bonawitz et
 * al. 2017, section 4), writing straight into the little-endian wire payload. It works chunk by
 * chunk: each chunk of the payload is quantised, then every mask stream is added to it while it is
 * still in cache, so the vector is traversed once rather than once per peer.
 */
public final class Masker {
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int CHUNK_WORDS = MaskStream.CHUNK_BYTES / 4;

  /** One mask added to the vector: a seed and whether it is subtracted. */
  public record Mask(SecretBytes seed, boolean subtract) {
    @Override
    public String toString() {
      return "Mask[seed redacted, subtract=" + subtract + "]";
    }
  }

  private Masker() {}

  /**
   * The masked payload: d quantised coordinates of {@code scale · values}, then {@code weightWord},
   * plus every mask. Destroys the masks' seeds when done.
   */
  public static byte[] mask(Quantizer quantizer, float[] values, double scale, int weightWord, List<Mask> masks) {
    int d = values.length;
    int words = d + 1;
    byte[] payload = new byte[words * 4];
    List<MaskStream> streams = new ArrayList<>(masks.size());
    for (Mask m : masks) {
      streams.add(new MaskStream(m.seed()));
      m.seed().destroy();
    }
    for (int off = 0; off < words; off += CHUNK_WORDS) {
      int len = Math.min(CHUNK_WORDS, words - off);
      int valueLen = Math.min(len, d - off);
      if (valueLen > 0) {
        quantizer.quantizeInto(values, off, valueLen, scale, payload, off);
      }
      if (off + len == words) {
        LE_INT.set(payload, d * 4, weightWord);
      }
      for (int s = 0; s < streams.size(); s++) {
        streams.get(s).addToLittleEndian(payload, off, len, masks.get(s).subtract());
      }
    }
    return payload;
  }

  /**
   * The masked payload of words the caller encoded itself (distributed DP): the words as they are,
   * then {@code weightWord}, plus every mask. Destroys the masks' seeds when done.
   */
  public static byte[] maskWords(int[] words, int weightWord, List<Mask> masks) {
    int d = words.length;
    int total = d + 1;
    byte[] payload = new byte[total * 4];
    List<MaskStream> streams = new ArrayList<>(masks.size());
    for (Mask m : masks) {
      streams.add(new MaskStream(m.seed()));
      m.seed().destroy();
    }
    for (int off = 0; off < total; off += CHUNK_WORDS) {
      int len = Math.min(CHUNK_WORDS, total - off);
      for (int i = off; i < Math.min(off + len, d); i++) {
        LE_INT.set(payload, i * 4, words[i]);
      }
      if (off + len == total) {
        LE_INT.set(payload, d * 4, weightWord);
      }
      for (int s = 0; s < streams.size(); s++) {
        streams.get(s).addToLittleEndian(payload, off, len, masks.get(s).subtract());
      }
    }
    return payload;
  }

  /**
   * acc −= every mask, chunk by chunk: the coordinator's unmasking. Like {@link #mask}, each chunk
   * of the accumulator gets all streams while it is in cache, instead of one pass over the whole
   * (model-sized) accumulator per mask. Destroys the masks' seeds when done.
   *
   * <p>A mask's {@code subtract} flag says how it went <em>into</em> the sum; it is taken out with
   * the opposite sign.
   */
  public static void unmask(int[] acc, List<Mask> masks) {
    List<MaskStream> streams = new ArrayList<>(masks.size());
    for (Mask m : masks) {
      streams.add(new MaskStream(m.seed()));
      m.seed().destroy();
    }
    for (int off = 0; off < acc.length; off += CHUNK_WORDS) {
      int len = Math.min(CHUNK_WORDS, acc.length - off);
      for (int s = 0; s < streams.size(); s++) {
        streams.get(s).addTo(acc, off, len, !masks.get(s).subtract());
      }
    }
  }
}
