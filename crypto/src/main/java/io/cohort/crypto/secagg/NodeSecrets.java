package io.cohort.crypto.secagg;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.secagg.internal.MaskSeeds;
import io.cohort.crypto.secagg.internal.Masker;
import io.cohort.crypto.secagg.internal.PrimeField;
import io.cohort.crypto.secagg.internal.SecretBytes;
import io.cohort.crypto.secagg.internal.Shamir;
import io.cohort.crypto.secagg.internal.ShamirShare;
import io.cohort.crypto.secagg.internal.ShareCipher;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireReader;
import io.cohort.crypto.secagg.internal.WireWriter;
import io.cohort.crypto.secagg.internal.X25519KeyPair;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything secret a node holds in a round: its two X25519 key pairs, its self-mask seed b_u and
 * the shares peers sent it, with the bookkeeping that a peer's two shares are never both released.
 */
final class NodeSecrets {
  /** A peer's shares held by this node: of its self-mask seed and of its mask secret key. */
  private record Held(SecretBytes selfMaskShare, SecretBytes maskKeyShare) {}

  X25519KeyPair cipherKeys;
  X25519KeyPair maskKeys;
  private SecretBytes selfMaskSeed;
  private final Map<Integer, Held> held = new HashMap<>();
  /**
   * The share-encryption key with each peer, derived once in ShareKeys and reused to decrypt that
   * peer's share in MaskedInput (X25519 is symmetric): half the agreements of a node's setup.
   */
  private final Map<Integer, SecretBytes> shareKeysByPeer = new HashMap<>();
  final Set<Integer> badPeers = new TreeSet<>();
  private final Map<Integer, String> released = new HashMap<>();

  ShareKeys shareKeys(SecAggParameters params, long round, int self, IdentityKeyPair identity, KeyRoster roster,
      MaskingGraph graph, byte[] sessionId, SecureRandom random) throws SecAggAbortException {
    BigInteger b = PrimeField.random(random);
    byte[] bLe = PrimeField.toLittleEndian(b);
    selfMaskSeed = SecretBytes.wrap(bLe.clone());
    byte[] commitment = Transcripts.selfMaskCommitment(sessionId, self, bLe);
    Arrays.fill(bLe, (byte) 0);
    SortedSet<Integer> holders = graph.neighbours(self);
    holders.add(self);
    int[] xs = SecAggNodeSession.toArray(holders);
    List<ShamirShare> bShares = Shamir.split(b, params.threshold(), xs, random);
    List<ShamirShare> skShares = Shamir.split(maskKeys.privateScalar(), params.threshold(), xs, random);
    SortedMap<Integer, byte[]> cts = new TreeMap<>();
    for (int i = 0; i < xs.length; i++) {
      int v = xs[i];
      byte[] bs = bShares.get(i).encode();
      byte[] ss = skShares.get(i).encode();
      if (v == self) {
        held.put(self, new Held(SecretBytes.wrap(bs), SecretBytes.wrap(ss)));
        continue;
      }
      byte[] pt = new WireWriter().i32(self).i32(v).fixed(bs).fixed(ss).toByteArray();
      SecretBytes key = MaskSeeds.shareKey(cipherKeys.privateKey(), roster.entry(v).cipherPublicKey(), sessionId);
      shareKeysByPeer.put(v, key);
      try {
        cts.put(v, ShareCipher.encrypt(key, Transcripts.shareAad(sessionId, round, self, v), pt, random));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      } finally {
        Arrays.fill(pt, (byte) 0);
        Arrays.fill(bs, (byte) 0);
        Arrays.fill(ss, (byte) 0);
      }
    }
    byte[] sig = identity.sign(Transcripts.shareKeys(sessionId, self, commitment));
    return new ShareKeys(sessionId, self, commitment, sig, cts);
  }

  /** Checks headers and decrypts the shares in {@code relay}; bad ones follow the policy (C1, S4). */
  void receiveShares(SecAggParameters params, long round, int self, KeyRoster roster, MaskingGraph graph,
      SortedSet<Integer> u2, ShareKeysRelay relay, byte[] sessionId) throws SecAggAbortException {
    Map<Integer, ShareKeysRelay.Entry> bySender = new HashMap<>();
    for (ShareKeysRelay.Entry e : relay.entries()) {
      if (!u2.contains(e.sender()) || e.sender() == self || bySender.put(e.sender(), e) != null) {
        throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, "relay has an entry from node "
            + e.sender() + " that is not another U2 member, or two entries from it");
      }
    }
    for (int v : u2) {
      if (v == self || !graph.areNeighbours(self, v)) {
        continue;
      }
      ShareKeysRelay.Entry e = bySender.get(v);
      if (e == null) {
        badShare(params, v, "no share entry from U2 member " + v);
        continue;
      }
      AdvertiseKeys peer = roster.entry(v);
      if (!e.asShareKeys().verifySignature(peer.identity())) {
        throw new SecAggAbortException(AbortReason.BAD_SIGNATURE, "share header of node " + v
            + " is not signed by it: the relay was altered");
      }
      if (!MessageDigest.isEqual(e.senderSessionId(), sessionId)) {
        throw new SecAggAbortException(AbortReason.SESSION_MISMATCH, "node " + v
            + " signed another session id: the coordinator sent different key lists");
      }
      decryptShare(params, round, self, v, peer, e.ciphertext(), sessionId);
    }
  }

  private void decryptShare(SecAggParameters params, long round, int self, int v, AdvertiseKeys peer, byte[] ct,
      byte[] sessionId) throws SecAggAbortException {
    SecretBytes cached = shareKeysByPeer.remove(v);
    SecretBytes key = cached != null ? cached : MaskSeeds.shareKey(cipherKeys.privateKey(), peer.cipherPublicKey(),
        sessionId);
    byte[] pt = null;
    try {
      pt = ShareCipher.decrypt(key, Transcripts.shareAad(sessionId, round, v, self), ct);
      WireReader r = new WireReader(pt);
      int from = r.i32("sender");
      int to = r.i32("recipient");
      byte[] bs = r.fixed(ShamirShare.SIZE_BYTES, "self-mask share");
      byte[] ss = r.fixed(ShamirShare.SIZE_BYTES, "mask-key share");
      r.end();
      if (from != v || to != self || ShamirShare.parse(bs).index() != self || ShamirShare.parse(ss).index() != self) {
        badShare(params, v, "share from node " + v + " names the wrong sender, recipient or index");
        return;
      }
      held.put(v, new Held(SecretBytes.wrap(bs), SecretBytes.wrap(ss)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      badShare(params, v, "share from node " + v + " fails to decrypt or parse");
    } finally {
      key.destroy();
      if (pt != null) {
        Arrays.fill(pt, (byte) 0);
      }
    }
  }

  private void badShare(SecAggParameters params, int v, String detail) throws SecAggAbortException {
    badPeers.add(v);
    if (params.badSharePolicy() == SecAggParameters.BadSharePolicy.ABORT) {
      throw new SecAggAbortException(AbortReason.BAD_SHARE, detail);
    }
    System.getLogger(SecAggNodeSession.class.getName()).log(System.Logger.Level.WARNING,
        "secagg: {0}; continuing without it (policy CONTINUE)", detail);
  }

  /** The self mask and the signed pairwise masks with every neighbour in U2. */
  List<Masker.Mask> masks(int self, KeyRoster roster, MaskingGraph graph, SortedSet<Integer> u2, byte[] sessionId) {
    List<Masker.Mask> masks = new ArrayList<>();
    byte[] b = selfMaskSeed.revealCopy();
    masks.add(new Masker.Mask(MaskSeeds.selfMask(b, sessionId), false));
    Arrays.fill(b, (byte) 0);
    for (int v : u2) {
      if (v != self && graph.areNeighbours(self, v)) {
        // Sign convention: +PRG(s_uv) when u < v, -PRG(s_uv) when u > v, so each pair cancels.
        masks.add(new Masker.Mask(MaskSeeds.pairwise(maskKeys.privateKey(), roster.entry(v).maskPublicKey(),
            sessionId), self > v));
      }
    }
    return masks;
  }

  /** The unmasking answer: b-shares for U3, s^SK-shares for the dropped, never both for one peer. */
  UnmaskingResponse release(int self, IdentityKeyPair identity, byte[] sessionId, SortedSet<Integer> u3,
      SortedSet<Integer> dropped) throws SecAggAbortException {
    List<UnmaskingResponse.OwnedShare> selfMask = new ArrayList<>();
    List<UnmaskingResponse.OwnedShare> maskKey = new ArrayList<>();
    for (int v : u3) {
      Held h = held.get(v);
      if (h != null) {
        mark(v, "self-mask");
        selfMask.add(new UnmaskingResponse.OwnedShare(v, h.selfMaskShare().revealCopy()));
      }
    }
    for (int v : dropped) {
      Held h = held.get(v);
      if (h != null) {
        mark(v, "mask-key");
        maskKey.add(new UnmaskingResponse.OwnedShare(v, h.maskKeyShare().revealCopy()));
      }
    }
    byte[] sig = identity.sign(UnmaskingResponse.signedBytes(sessionId, self, selfMask, maskKey));
    return new UnmaskingResponse(sessionId, self, selfMask, maskKey, sig);
  }

  private void mark(int v, String kind) throws SecAggAbortException {
    String before = released.putIfAbsent(v, kind);
    if (before != null) {
      throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, "asked for a second share ("
          + kind + " after " + before + ") of node " + v);
    }
  }

  void destroyKeysAndSeed() {
    shareKeysByPeer.values().forEach(SecretBytes::destroy);
    shareKeysByPeer.clear();
    if (cipherKeys != null) {
      cipherKeys.destroy();
    }
    if (maskKeys != null) {
      maskKeys.destroy();
    }
    if (selfMaskSeed != null) {
      selfMaskSeed.destroy();
    }
  }

  void destroyAll() {
    destroyKeysAndSeed();
    held.values().forEach(h -> {
      h.selfMaskShare().destroy();
      h.maskKeyShare().destroy();
    });
    held.clear();
  }

  List<byte[]> snapshotForTest() {
    List<byte[]> out = new ArrayList<>();
    if (selfMaskSeed != null && !selfMaskSeed.isDestroyed()) {
      out.add(selfMaskSeed.revealCopy());
    }
    for (X25519KeyPair k : new X25519KeyPair[] {cipherKeys, maskKeys}) {
      if (k != null && !k.privateKey().isDestroyed()) {
        out.add(k.privateKey().revealCopy());
      }
    }
    held.values().forEach(h -> {
      out.add(h.selfMaskShare().revealCopy());
      out.add(h.maskKeyShare().revealCopy());
    });
    shareKeysByPeer.values().forEach(k -> out.add(k.revealCopy()));
    return out;
  }
}
