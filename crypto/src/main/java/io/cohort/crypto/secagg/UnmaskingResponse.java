package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.HASH_BYTES;
import static io.cohort.crypto.secagg.WireTags.SIG_BYTES;

import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.internal.ShamirShare;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireReader;
import io.cohort.crypto.secagg.internal.WireWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 5 (node → coordinator): the sender's Shamir shares of the self-mask seeds b_v of nodes in
 * U3 and of the mask secret keys s_v^SK of dropped nodes, signed. Shares are 36 bytes each (4-byte
 * index, 32-byte field element) and are validated at parse time (C4). {@code toString} never shows
 * a share.
 */
public record UnmaskingResponse(byte[] sessionId, int sender, List<OwnedShare> selfMaskShares,
    List<OwnedShare> maskKeyShares, byte[] signature) implements EncodedMessage {

  /** The sender's share of {@code owner}'s secret. */
  public record OwnedShare(int owner, byte[] share) {
    public OwnedShare {
      WireTags.checkId(owner, "owner");
      ShamirShare.parse(share); // C4: index 0, non-canonical values and wrong lengths fail here
      share = share.clone();
    }

    @Override
    public byte[] share() {
      return share.clone();
    }

    @Override
    public String toString() {
      return "OwnedShare[owner=" + owner + ", share redacted]";
    }
  }

  public UnmaskingResponse {
    WireTags.checkId(sender, "sender");
    if (sessionId.length != HASH_BYTES || signature.length != SIG_BYTES) {
      throw new IllegalArgumentException("session id must have 32 bytes and the signature 64");
    }
    sessionId = sessionId.clone();
    selfMaskShares = List.copyOf(selfMaskShares);
    maskKeyShares = List.copyOf(maskKeyShares);
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

  static byte[] sharesEncoding(List<OwnedShare> selfMask, List<OwnedShare> maskKey) {
    WireWriter w = new WireWriter().i32(selfMask.size());
    selfMask.forEach(s -> w.i32(s.owner()).fixed(s.share));
    w.i32(maskKey.size());
    maskKey.forEach(s -> w.i32(s.owner()).fixed(s.share));
    return w.toByteArray();
  }

  static byte[] signedBytes(byte[] sessionId, int sender, List<OwnedShare> selfMask, List<OwnedShare> maskKey) {
    return Transcripts.unmasking(sessionId, sender, sharesEncoding(selfMask, maskKey));
  }

  public boolean verifySignature(IdentityPublicKey identity) {
    return identity.verify(signedBytes(sessionId, sender, selfMaskShares, maskKeyShares), signature);
  }

  public byte[] encode() {
    return WireTags.header(WireTags.UNMASKING_RESPONSE).fixed(sessionId).i32(sender)
        .fixed(sharesEncoding(selfMaskShares, maskKeyShares)).fixed(signature).toByteArray();
  }

  public static UnmaskingResponse decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.UNMASKING_RESPONSE, "UnmaskingResponse", r -> {
      byte[] sid = r.fixed(HASH_BYTES, "sessionId");
      int sender = r.i32("sender");
      List<OwnedShare> self = readShares(r, "selfMaskShares");
      List<OwnedShare> keys = readShares(r, "maskKeyShares");
      byte[] sig = r.fixed(SIG_BYTES, "signature");
      r.end();
      return new UnmaskingResponse(sid, sender, self, keys, sig);
    });
  }

  private static List<OwnedShare> readShares(WireReader r, String field) {
    int n = r.count(WireTags.MAX_NODES, field);
    List<OwnedShare> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new OwnedShare(r.i32(field + " owner"), r.fixed(ShamirShare.SIZE_BYTES, field)));
    }
    return out;
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
    return "UnmaskingResponse[sender=" + sender + ", selfMaskShares=" + selfMaskShares.size()
        + ", maskKeyShares=" + maskKeyShares.size() + "]";
  }
}
