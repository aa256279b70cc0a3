package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;

import java.util.Arrays;

/** Stage 3 → 4 (coordinator → each node in U3): U3, the nodes whose masked inputs were summed. */
public record ConsistencyCheckRequest(byte[] sessionId, int[] survivors) implements EncodedMessage {
  public ConsistencyCheckRequest {
    if (sessionId.length != HASH_BYTES) {
      throw new IllegalArgumentException("session id must have 32 bytes");
    }
    sessionId = sessionId.clone();
    survivors = survivors.clone();
  }

  @Override
  public byte[] sessionId() {
    return sessionId.clone();
  }

  @Override
  public int[] survivors() {
    return survivors.clone();
  }

  public byte[] encode() {
    return WireTags.header(WireTags.CONSISTENCY_REQUEST).fixed(sessionId).ints(survivors).toByteArray();
  }

  public static ConsistencyCheckRequest decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.CONSISTENCY_REQUEST, "ConsistencyCheckRequest", r -> {
      ConsistencyCheckRequest m = new ConsistencyCheckRequest(r.fixed(HASH_BYTES, "sessionId"),
          r.ints(WireTags.MAX_NODES, "survivors"));
      r.end();
      return m;
    });
  }

  @Override
  public boolean equals(Object o) {
    return EncodedMessage.sameEncoding(this, o);
  }

  @Override
  public int hashCode() {
    return EncodedMessage.encodingHash(this);
  }

  @Override
  public String toString() {
    return "ConsistencyCheckRequest[U3=" + Arrays.toString(survivors) + "]";
  }
}
