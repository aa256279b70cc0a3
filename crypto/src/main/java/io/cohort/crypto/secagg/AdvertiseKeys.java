package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.WireTags.KEY_BYTES;
import static io.cohort.crypto.secagg.WireTags.SIG_BYTES;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.internal.Transcripts;

/**
 * Stage 1 (node → coordinator): a node's fresh per-round X25519 public keys, one for share
 * encryption (c^PK) and one for pairwise masks (s^PK), signed with its long-term Ed25519 identity
 * over (job, round, node id, identity, keys). Contains no secret.
 */
public record AdvertiseKeys(String jobId, long round, int nodeId, IdentityPublicKey identity,
    byte[] cipherPublicKey, byte[] maskPublicKey, byte[] signature) implements EncodedMessage {

  public AdvertiseKeys {
    WireTags.checkId(nodeId, "nodeId");
    if (cipherPublicKey.length != KEY_BYTES || maskPublicKey.length != KEY_BYTES || signature.length != SIG_BYTES) {
      throw new IllegalArgumentException("keys must have 32 bytes and the signature 64");
    }
    cipherPublicKey = cipherPublicKey.clone();
    maskPublicKey = maskPublicKey.clone();
    signature = signature.clone();
  }

  static AdvertiseKeys sign(String jobId, long round, int nodeId, IdentityKeyPair identity, byte[] cipherPk,
      byte[] maskPk) {
    byte[] sig = identity.sign(Transcripts.advertiseKeys(jobId, round, nodeId, identity.publicKey().raw(),
        cipherPk, maskPk));
    return new AdvertiseKeys(jobId, round, nodeId, identity.publicKey(), cipherPk, maskPk, sig);
  }

  @Override
  public byte[] cipherPublicKey() {
    return cipherPublicKey.clone();
  }

  @Override
  public byte[] maskPublicKey() {
    return maskPublicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** True when the signature is the identity's over this message's fields. */
  public boolean verifySignature() {
    return identity.verify(Transcripts.advertiseKeys(jobId, round, nodeId, identity.raw(), cipherPublicKey,
        maskPublicKey), signature);
  }

  public byte[] encode() {
    return WireTags.header(WireTags.ADVERTISE_KEYS).string(jobId).i64(round).i32(nodeId).fixed(identity.raw())
        .fixed(cipherPublicKey).fixed(maskPublicKey).fixed(signature).toByteArray();
  }

  public static AdvertiseKeys decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.ADVERTISE_KEYS, "AdvertiseKeys", r -> {
      AdvertiseKeys m = new AdvertiseKeys(r.string(WireTags.MAX_ID_BYTES, "jobId"), r.i64("round"),
          r.i32("nodeId"), IdentityPublicKey.fromRaw(r.fixed(IdentityPublicKey.SIZE_BYTES, "identity")),
          r.fixed(KEY_BYTES, "cipherPublicKey"), r.fixed(KEY_BYTES, "maskPublicKey"),
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
    return "AdvertiseKeys[job=" + jobId + ", round=" + round + ", node=" + nodeId + "]";
  }
}
