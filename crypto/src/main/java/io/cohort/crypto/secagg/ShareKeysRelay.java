package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;
import static io.cohort.crypto.secagg.WireTags.SIG_BYTES;

import io.cohort.crypto.secagg.internal.WireWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stage 2 → 3 (coordinator → each node v in U2): U2 (the nodes whose {@link ShareKeys} arrived) and,
 * for each other u in U2, u's signed header (its session id, commitment and signature) with the one
 * ciphertext addressed to v. The header lets v tell a lying coordinator (a validly signed, different
 * session id: S4) from a bad peer (a ciphertext that fails to decrypt: C1).
 */
public record ShareKeysRelay(byte[] sessionId, int recipient, int[] survivors, List<Entry> entries) implements EncodedMessage {

  /** One sender's signed header and its ciphertext for the recipient. */
  public record Entry(int sender, byte[] senderSessionId, byte[] commitment, byte[] signature, byte[] ciphertext) {
    public Entry {
      WireTags.checkId(sender, "sender");
      if (senderSessionId.length != HASH_BYTES || commitment.length != HASH_BYTES || signature.length != SIG_BYTES) {
        throw new IllegalArgumentException("session id and commitment must have 32 bytes, the signature 64");
      }
      senderSessionId = senderSessionId.clone();
      commitment = commitment.clone();
      signature = signature.clone();
      ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] senderSessionId() {
      return senderSessionId.clone();
    }

    @Override
    public byte[] commitment() {
      return commitment.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public byte[] ciphertext() {
      return ciphertext.clone();
    }

    /** The sender's {@link ShareKeys} header as a message whose signature can be checked. */
    ShareKeys asShareKeys() {
      return new ShareKeys(senderSessionId, sender, commitment, signature, new java.util.TreeMap<>());
    }
  }

  public ShareKeysRelay {
    WireTags.checkId(recipient, "recipient");
    if (sessionId.length != HASH_BYTES) {
      throw new IllegalArgumentException("session id must have 32 bytes");
    }
    sessionId = sessionId.clone();
    survivors = survivors.clone();
    entries = List.copyOf(entries);
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
    WireWriter w = WireTags.header(WireTags.SHARE_KEYS_RELAY).fixed(sessionId).i32(recipient).ints(survivors)
        .i32(entries.size());
    for (Entry e : entries) {
      w.i32(e.sender()).fixed(e.senderSessionId).fixed(e.commitment).fixed(e.signature).bytes(e.ciphertext);
    }
    return w.toByteArray();
  }

  public static ShareKeysRelay decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.SHARE_KEYS_RELAY, "ShareKeysRelay", r -> {
      byte[] sid = r.fixed(HASH_BYTES, "sessionId");
      int recipient = r.i32("recipient");
      int[] survivors = r.ints(WireTags.MAX_NODES, "survivors");
      int n = r.count(WireTags.MAX_NODES, "entries");
      List<Entry> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(new Entry(r.i32("sender"), r.fixed(HASH_BYTES, "senderSessionId"), r.fixed(HASH_BYTES, "commitment"),
            r.fixed(SIG_BYTES, "signature"), r.bytes(ShareKeys.MAX_CIPHERTEXT_BYTES, "ciphertext")));
      }
      r.end();
      return new ShareKeysRelay(sid, recipient, survivors, list);
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
    return "ShareKeysRelay[recipient=" + recipient + ", U2=" + Arrays.toString(survivors) + "]";
  }
}
