package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;
import static io.cohort.crypto.secagg.WireTags.SIG_BYTES;


/**
 * Stage 4 (node → coordinator): the node's Ed25519 signature over (session id, U3, model hash,
 * config hash). Another node that received a different U3, model or configuration cannot verify it.
 */
public record ConsistencyCheckResponse(byte[] sessionId, int sender, byte[] signature) implements EncodedMessage {
  public ConsistencyCheckResponse {
    WireTags.checkId(sender, "sender");
    if (sessionId.length != HASH_BYTES || signature.length != SIG_BYTES) {
      throw new IllegalArgumentException("session id must have 32 bytes and the signature 64");
    }
    sessionId = sessionId.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] sessionId() {
    return sessionId.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  public byte[] encode() {
    return WireTags.header(WireTags.CONSISTENCY_RESPONSE).fixed(sessionId).i32(sender).fixed(signature)
        .toByteArray();
  }

  public static ConsistencyCheckResponse decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.CONSISTENCY_RESPONSE, "ConsistencyCheckResponse", r -> {
      ConsistencyCheckResponse m = new ConsistencyCheckResponse(r.fixed(HASH_BYTES, "sessionId"), r.i32("sender"),
          r.fixed(SIG_BYTES, "signature"));
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
    return "ConsistencyCheckResponse[sender=" + sender + "]";
  }
}
