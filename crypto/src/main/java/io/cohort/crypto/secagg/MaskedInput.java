package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Stage 3 (node → coordinator): y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_{u,v}) in Z_2^32, as d + 1
 * little-endian 32-bit words (the last word is the masked weight), tagged with the session id
 * and sender, with the sender's report of peers whose shares failed to decrypt or check
 * (docs/secagg-scenarios.md C1; usually empty). Its size is 4(d + 1) bytes plus a header of 48 + 4k bytes for k
 * reported peers: 1.0000x a plain fp32 upload.
 *
 * <p>The payload array is shared, not copied, because it is the size of the model: treat it as
 * read-only. Authenticity of the sender rests on the transport (mutual TLS); a forged or
 * replayed y_u cannot make masks cancel, which the coordinator's range check detects (C7).
 */
public final class MaskedInput {
  private final byte[] sessionId;
  private final int sender;
  /** The payload words live in {@code buffer} from {@code offset} on (a decoded message is not copied). */
  private final byte[] buffer;
  private final int offset;
  private final int lengthWords;
  private final int[] badSharePeers;

  public MaskedInput(byte[] sessionId, int sender, byte[] payload) {
    this(sessionId, sender, payload, new int[0]);
  }

  /** With a report of the peers whose shares this sender could not use (C1); sorted, no repeats. */
  public MaskedInput(byte[] sessionId, int sender, byte[] payload, int[] badSharePeers) {
    this(sessionId, sender, payload, 0, payload.length, badSharePeers);
  }

  private MaskedInput(byte[] sessionId, int sender, byte[] buffer, int offset, int payloadBytes, int[] badSharePeers) {
    WireTags.checkId(sender, "sender");
    if (sessionId.length != HASH_BYTES) {
      throw new IllegalArgumentException("session id must have 32 bytes");
    }
    if (payloadBytes % 4 != 0) {
      throw new IllegalArgumentException("masked payload must be whole 32-bit words, got " + payloadBytes + " bytes");
    }
    this.sessionId = sessionId.clone();
    this.sender = sender;
    this.buffer = buffer;
    this.offset = offset;
    this.lengthWords = payloadBytes / 4;
    for (int i = 0; i < badSharePeers.length; i++) {
      WireTags.checkId(badSharePeers[i], "reported peer");
      if (i > 0 && badSharePeers[i] <= badSharePeers[i - 1]) {
        throw new IllegalArgumentException("reported peers must be sorted without repeats");
      }
    }
    this.badSharePeers = badSharePeers.clone();
  }

  /** Peers whose encrypted shares the sender marked missing (failed to decrypt, wrong sender or recipient). */
  public int[] badSharePeers() {
    return badSharePeers.clone();
  }

  public byte[] sessionId() {
    return sessionId.clone();
  }

  public int sender() {
    return sender;
  }

  /**
   * The masked words, little-endian: shared, not copied, when this object was built from a payload
   * array; a copy when it was decoded (the coordinator reads decoded payloads in place instead).
   */
  public byte[] payload() {
    return offset == 0 && buffer.length == lengthWords * 4 ? buffer
        : Arrays.copyOfRange(buffer, offset, offset + lengthWords * 4);
  }

  /** The array holding the payload, from {@link #payloadOffset()} on; shared, never copied. */
  byte[] payloadBuffer() {
    return buffer;
  }

  int payloadOffset() {
    return offset;
  }

  public int lengthWords() {
    return lengthWords;
  }

  /** Wire form: header, session id, sender, reported peers (count, ids), word count, words. */
  public byte[] encode() {
    byte[] head = WireTags.header(WireTags.MASKED_INPUT).fixed(sessionId).i32(sender).ints(badSharePeers)
        .i32(lengthWords()).toByteArray();
    byte[] out = Arrays.copyOf(head, head.length + lengthWords * 4);
    System.arraycopy(buffer, offset, out, head.length, lengthWords * 4);
    return out;
  }

  public static MaskedInput decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.MASKED_INPUT, "MaskedInput", r -> {
      byte[] sid = r.fixed(HASH_BYTES, "sessionId");
      int sender = r.i32("sender");
      int[] reported = r.ints(WireTags.MAX_NODES, "reported peers");
      int words = r.i32("word count");
      int headerBytes = 4 + HASH_BYTES + 4 + 4 + 4 * reported.length + 4;
      if (words < 0 || (long) words * 4 != data.length - headerBytes) {
        throw new IllegalArgumentException("word count " + words + " does not match the " + (data.length - headerBytes)
            + " payload bytes");
      }
      // The payload is read in place: a second model-sized copy would break the coordinator's
      // memory bound (one accumulator plus the message in hand).
      return new MaskedInput(sid, sender, data, headerBytes, data.length - headerBytes, reported);
    });
  }

  /** The words as ints (for tests and small vectors; allocates d + 1 ints). */
  public int[] words() {
    int[] w = new int[lengthWords()];
    ByteBuffer.wrap(buffer, offset, lengthWords * 4).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(w);
    return w;
  }

  @Override
  public String toString() {
    return "MaskedInput[sender=" + sender + ", words=" + lengthWords() + "]";
  }
}
