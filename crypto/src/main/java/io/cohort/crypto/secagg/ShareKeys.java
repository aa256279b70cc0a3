package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;
import static io.cohort.crypto.secagg.WireTags.SIG_BYTES;

import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireWriter;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Stage 2 (node → coordinator): a node's encrypted shares, one AES-256-GCM ciphertext per other
 * member of the key list, plus its signed commitment H(b_u) to its self-mask seed. The signature
 * covers (session id, sender, commitment); the ciphertexts are authenticated by GCM under a key only
 * sender and recipient can derive. The coordinator sees only ciphertexts.
 */
public record ShareKeys(byte[] sessionId, int sender, byte[] commitment, byte[] signature,
    SortedMap<Integer, byte[]> ciphertexts) implements EncodedMessage {
  static final int MAX_CIPHERTEXT_BYTES = 1024;

  public ShareKeys {
    WireTags.checkId(sender, "sender");
    if (sessionId.length != HASH_BYTES || commitment.length != HASH_BYTES || signature.length != SIG_BYTES) {
      throw new IllegalArgumentException("session id and commitment must have 32 bytes, the signature 64");
    }
    sessionId = sessionId.clone();
    commitment = commitment.clone();
    signature = signature.clone();
    ciphertexts = Collections.unmodifiableSortedMap(new TreeMap<>(ciphertexts));
  }

  @Override
  public byte[] sessionId() {
    return sessionId.clone();
  }

  @Override
  public byte[] commitment() {
    return commitment.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** True when {@code identity} signed (session id, sender, commitment). */
  public boolean verifySignature(IdentityPublicKey identity) {
    return identity.verify(Transcripts.shareKeys(sessionId, sender, commitment), signature);
  }

  public byte[] encode() {
    WireWriter w = WireTags.header(WireTags.SHARE_KEYS).fixed(sessionId).i32(sender).fixed(commitment)
        .fixed(signature).i32(ciphertexts.size());
    for (Map.Entry<Integer, byte[]> e : ciphertexts.entrySet()) {
      w.i32(e.getKey()).bytes(e.getValue());
    }
    return w.toByteArray();
  }

  public static ShareKeys decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.SHARE_KEYS, "ShareKeys", r -> {
      byte[] sid = r.fixed(HASH_BYTES, "sessionId");
      int sender = r.i32("sender");
      byte[] commitment = r.fixed(HASH_BYTES, "commitment");
      byte[] sig = r.fixed(SIG_BYTES, "signature");
      int n = r.count(WireTags.MAX_NODES, "ciphertexts");
      SortedMap<Integer, byte[]> cts = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        int recipient = r.i32("recipient");
        WireTags.checkId(recipient, "recipient");
        if (cts.put(recipient, r.bytes(MAX_CIPHERTEXT_BYTES, "ciphertext")) != null) {
          throw new IllegalArgumentException("two ciphertexts for recipient " + recipient);
        }
      }
      r.end();
      return new ShareKeys(sid, sender, commitment, sig, cts);
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
    return "ShareKeys[sender=" + sender + ", recipients=" + ciphertexts.keySet() + "]";
  }
}
