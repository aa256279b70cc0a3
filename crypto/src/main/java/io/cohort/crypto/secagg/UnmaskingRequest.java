package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;
import static io.cohort.crypto.secagg.WireTags.SIG_BYTES;

import io.cohort.crypto.secagg.internal.WireWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stage 4 → 5 (coordinator → each node in U4): the consistency signatures of U4 and the nodes the
 * coordinator declares dropped (in U2 but not U3), whose mask-key shares it asks for. A node answers
 * with self-mask shares for U3 and mask-key shares for the dropped nodes, never both for one node.
 */
public record UnmaskingRequest(byte[] sessionId, int[] dropped, List<Signature> signatures) implements EncodedMessage {

  /** One node's consistency-check signature. */
  public record Signature(int signer, byte[] signature) {
    public Signature {
      WireTags.checkId(signer, "signer");
      if (signature.length != SIG_BYTES) {
        throw new IllegalArgumentException("a signature has 64 bytes, got " + signature.length);
      }
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  public UnmaskingRequest {
    if (sessionId.length != HASH_BYTES) {
      throw new IllegalArgumentException("session id must have 32 bytes");
    }
    sessionId = sessionId.clone();
    dropped = dropped.clone();
    signatures = List.copyOf(signatures);
  }

  @Override
  public byte[] sessionId() {
    return sessionId.clone();
  }

  @Override
  public int[] dropped() {
    return dropped.clone();
  }

  public byte[] encode() {
    WireWriter w = WireTags.header(WireTags.UNMASKING_REQUEST).fixed(sessionId).ints(dropped).i32(signatures.size());
    for (Signature s : signatures) {
      w.i32(s.signer()).fixed(s.signature);
    }
    return w.toByteArray();
  }

  public static UnmaskingRequest decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.UNMASKING_REQUEST, "UnmaskingRequest", r -> {
      byte[] sid = r.fixed(HASH_BYTES, "sessionId");
      int[] dropped = r.ints(WireTags.MAX_NODES, "dropped");
      int n = r.count(WireTags.MAX_NODES, "signatures");
      List<Signature> sigs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        sigs.add(new Signature(r.i32("signer"), r.fixed(SIG_BYTES, "signature")));
      }
      r.end();
      return new UnmaskingRequest(sid, dropped, sigs);
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
    return "UnmaskingRequest[dropped=" + Arrays.toString(dropped) + ", signatures=" + signatures.size() + "]";
  }
}
