package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import io.cohort.crypto.secagg.internal.MaskSeeds;
import io.cohort.crypto.secagg.internal.PrimeField;
import io.cohort.crypto.secagg.internal.Quantizer;
import io.cohort.crypto.secagg.internal.SecretBytes;
import io.cohort.crypto.secagg.internal.ShamirShare;
import io.cohort.crypto.secagg.internal.ShareCipher;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireWriter;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** docs/secagg-scenarios.md C1–C7 (C4 is in ShamirTest): malicious or broken nodes. */
class SecAggClientAttackTest {

  interface Edit<T> {
    T apply(T m) throws Exception;
  }

  /** Tampers with the ShareKeys message {@code sender} sends, re-encoding it. */
  private static Harness.Tamper shareKeysFrom(int sender, Edit<ShareKeys> edit) {
    return (stage, node, toNode, b) -> {
      if (stage != Stage.SHARE_KEYS || toNode || node != sender) {
        return b;
      }
      try {
        return edit.apply(ShareKeys.decode(b)).encode();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
  }

  private static ShareKeys withCiphertext(ShareKeys s, int recipient, byte[] ct) {
    TreeMap<Integer, byte[]> cts = new TreeMap<>(s.ciphertexts());
    cts.put(recipient, ct);
    return new ShareKeys(s.sessionId(), s.sender(), s.commitment(), s.signature(), cts);
  }

  @Test
  void c1_tamperedCiphertext_shareMarkedMissing_roundStillExact() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 64), 5, 41);
    int bad = h.id(1);
    int victim = h.id(3);
    h.tamper = shareKeysFrom(bad, s -> {
      byte[] ct = s.ciphertexts().get(victim);
      ct[ct.length - 1] ^= 1; // GCM tag failure
      return withCiphertext(s, victim, ct);
    });
    AggregateResult r = h.run();
    assertThat(h.nodes.get(victim).badSharePeers()).containsExactly(bad);
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept());
    // ...and reported: the victim's masked input names the sender, and only the victim reports.
    assertThat(h.coordinator.badShareReports()).containsOnlyKeys(victim);
    assertThat(h.coordinator.badShareReports().get(victim)).containsExactly(bad);
  }

  @Test
  void c1_reportTravelsInTheMaskedInput_andNamesOnlyNeighboursInU2() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 16), 5, 44);
    var relays = h.openAtMaskedInput();
    int reporter = h.id(0);
    MaskedInput y = h.nodes.get(reporter).maskedInput(relays.get(reporter), h.updates.get(reporter));
    assertThat(y.badSharePeers()).isEmpty();
    int[] named = {h.id(2), 999_999}; // a U2 member and a stranger
    MaskedInput withReport = MaskedInput.decode(new MaskedInput(y.sessionId(), reporter, y.payload(), named).encode());
    assertThat(withReport.badSharePeers()).containsExactly(named);
    assertThat(withReport.words()).isEqualTo(y.words());
    assertThat(h.coordinator.receiveMaskedInput(withReport).isAccepted()).isTrue();
    assertThat(h.coordinator.badShareReports()).containsOnlyKeys(reporter);
    assertThat(h.coordinator.badShareReports().get(reporter)).containsExactly(h.id(2));
    assertThatThrownBy(() -> new MaskedInput(y.sessionId(), reporter, y.payload(), new int[] {h.id(2), h.id(1)}))
        .hasMessageContaining("sorted");
  }

  @Test
  void c1_wrongRecipient_isMarkedMissing_andAbortPolicyAbortsThatNode() throws Exception {
    SecAggParameters p = Harness.params(5, 3, 64).toBuilder()
        .badSharePolicy(SecAggParameters.BadSharePolicy.ABORT).build();
    Harness h = new Harness(p, 5, 42);
    int bad = h.id(1);
    int victim = h.id(3);
    int other = h.id(4);
    h.tamper = shareKeysFrom(bad, s -> withCiphertext(s, victim, s.ciphertexts().get(other)));
    AggregateResult r = h.run();
    assertThat(h.nodeAborts.get(victim).reason()).isEqualTo(AbortReason.BAD_SHARE);
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept(victim)); // victim never sent y
  }

  @Test
  void c1_wrongSenderInsidePlaintext_isMarkedMissing() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 32), 5, 43);
    int bad = h.id(1);
    int victim = h.id(2);
    h.tamper = shareKeysFrom(bad, s -> {
      // A well-encrypted share (right key, right AAD) whose plaintext claims another sender.
      SecAggNodeSession n = h.nodes.get(bad);
      byte[] victimPk = h.nodes.get(victim).advertiseKeys().cipherPublicKey();
      SecretBytes key = MaskSeeds.shareKey(n.cipherKeysForTest().privateKey(), victimPk, s.sessionId());
      byte[] share = new ShamirShare(victim, BigInteger.TEN).encode();
      byte[] pt = new WireWriter().i32(h.id(0)).i32(victim).fixed(share).fixed(share).toByteArray();
      byte[] ct = ShareCipher.encrypt(key, Transcripts.shareAad(s.sessionId(), h.round, bad, victim), pt,
          new SecureRandom());
      return withCiphertext(s, victim, ct);
    });
    AggregateResult r = h.run();
    assertThat(h.nodes.get(victim).badSharePeers()).containsExactly(bad);
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept());
  }

  /** Node {@code liar} answers unmasking with one share altered (still canonical) and re-signs it. */
  private static Harness.Tamper wrongShareFrom(Harness h, int liar, boolean selfMask) {
    return (stage, node, toNode, b) -> {
      if (stage != Stage.UNMASKING || toNode || node != liar) {
        return b;
      }
      try {
        UnmaskingResponse r = UnmaskingResponse.decode(b);
        List<UnmaskingResponse.OwnedShare> self = new ArrayList<>(r.selfMaskShares());
        List<UnmaskingResponse.OwnedShare> keys = new ArrayList<>(r.maskKeyShares());
        List<UnmaskingResponse.OwnedShare> target = selfMask ? self : keys;
        UnmaskingResponse.OwnedShare s = target.get(0);
        ShamirShare parsed = ShamirShare.parse(s.share());
        target.set(0, new UnmaskingResponse.OwnedShare(s.owner(), new ShamirShare(parsed.index(),
            parsed.value().add(BigInteger.ONE).mod(PrimeField.P)).encode()));
        byte[] sig = h.identities.get(liar).sign(UnmaskingResponse.signedBytes(r.sessionId(), liar, self, keys));
        return new UnmaskingResponse(r.sessionId(), liar, self, keys, sig).encode();
      } catch (MalformedMessageException e) {
        throw new AssertionError(e);
      }
    };
  }

  @Test
  void c2_wrongMaskKeyShare_caughtByPublicKeyCheck_otherSubsetUsed_liarBlamed() throws Exception {
    Harness h = new Harness(Harness.params(6, 4, 64), 6, 44);
    int liar = h.id(0); // the first responder, so the first subset tried contains its share
    h.drop(Stage.MASKED_INPUT, h.id(5));
    h.tamper = wrongShareFrom(h, liar, false);
    AggregateResult r = h.run();
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept(h.id(5)));
    assertThat(r.blamed()).containsExactly(liar);
  }

  @Test
  void c3_wrongSelfMaskShare_caughtByCommitment_otherSubsetUsed_liarBlamed() throws Exception {
    Harness h = new Harness(Harness.params(6, 4, 64), 6, 45);
    int liar = h.id(0);
    h.tamper = wrongShareFrom(h, liar, true);
    AggregateResult r = h.run();
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept());
    assertThat(r.blamed()).containsExactly(liar);
  }

  @Test
  void c3_wrongSelfMaskShare_withExactlyTShares_abortsInsteadOfSilentlyWrongSum() throws Exception {
    Harness h = new Harness(Harness.params(5, 4, 64), 5, 46);
    h.drop(Stage.UNMASKING, h.id(4));
    h.tamper = wrongShareFrom(h, h.id(0), true);
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class)
        .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.CANNOT_RECONSTRUCT);
  }

  @Test
  void c5_wrongVectorLength_rejected_nodeCountsAsDropped_neverTruncated() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 64), 5, 47);
    int bad = h.id(2);
    h.tamper = (stage, node, toNode, b) -> {
      if (stage != Stage.MASKED_INPUT || toNode || node != bad) {
        return b;
      }
      try {
        MaskedInput m = MaskedInput.decode(b);
        return new MaskedInput(m.sessionId(), bad, java.util.Arrays.copyOf(m.payload(), m.payload().length - 4))
            .encode();
      } catch (MalformedMessageException e) {
        throw new AssertionError(e);
      }
    };
    AggregateResult r = h.run();
    assertThat(h.lateReceipts).extracting(Receipt::status).containsExactly(Receipt.Status.REJECTED);
    assertThat(r.dropped()).containsExactly(bad);
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept(bad));
    // A length field that disagrees with the bytes is a parse error, not a truncation.
    byte[] enc = new MaskedInput(new byte[32], 5, new byte[40]).encode();
    assertThatThrownBy(() -> MaskedInput.decode(java.util.Arrays.copyOf(enc, enc.length - 4)))
        .isInstanceOf(MalformedMessageException.class).hasMessageContaining("does not match");
  }

  @Test
  void c6_outOfRangeValue_cannotBeMaskedAway_isCaughtByRangeCheck_andHonestNodesNeverProduceIt() throws Exception {
    // Masking cannot stop a node from adding 2^31 to a coordinate; the coordinator's range check
    // catches any shift that takes the sum beyond |U3|·L, and nodes clip before quantising.
    Harness h = new Harness(Harness.params(4, 3, 16), 4, 48);
    h.tamper = (stage, node, toNode, b) -> {
      if (stage == Stage.MASKED_INPUT && !toNode && node == h.id(1)) {
        byte[] c = b.clone();
        c[c.length - 5] ^= (byte) 0x80; // + 2^31: top bit of the last value coordinate (little-endian)
        return c;
      }
      return b;
    };
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class)
        .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.MASKS_DID_NOT_CANCEL);
    var q = new Quantizer(16, 1.0, true, new java.util.SplittableRandom(1));
    for (double x : new double[] {Float.MAX_VALUE, -Float.MAX_VALUE, 1e9, -1e9, 1.0000001, -1.0000001}) {
      assertThat(Math.abs(q.quantize(x, 1.0))).isLessThanOrEqualTo(q.levels());
    }
  }

  @Test
  void c7_replayedMaskedInputFromEarlierRound_rejectedBySessionId_orCaughtByRangeCheck() throws Exception {
    byte[][] old = new byte[1][];
    Harness h1 = new Harness(Harness.params(4, 3, 64), 4, 49);
    int u = h1.id(0);
    h1.tamper = (stage, node, toNode, b) -> {
      if (stage == Stage.MASKED_INPUT && !toNode && node == u) {
        old[0] = b;
      }
      return b;
    };
    h1.run();
    Harness h2 = new Harness(Harness.params(4, 3, 64), 4, 49);
    h2.round = 2;
    h2.tamper = (stage, node, toNode, b) -> stage == Stage.MASKED_INPUT && !toNode && node == u ? old[0] : b;
    AggregateResult r = h2.run();
    assertThat(h2.lateReceipts).extracting(Receipt::status).containsExactly(Receipt.Status.REJECTED);
    SecAggDropoutTest.assertExactSum(h2, r, h2.idsExcept(u));
    // With the header rewritten to the new session, the old masks do not cancel.
    Harness h3 = new Harness(Harness.params(4, 3, 64), 4, 49);
    h3.round = 3;
    h3.tamper = (stage, node, toNode, b) -> {
      if (stage == Stage.MASKED_INPUT && !toNode && node == u) {
        try {
          return new MaskedInput(MaskedInput.decode(b).sessionId(), u, MaskedInput.decode(old[0]).payload()).encode();
        } catch (MalformedMessageException e) {
          throw new AssertionError(e);
        }
      }
      return b;
    };
    assertThatThrownBy(h3::run).extracting(e -> ((SecAggAbortException) e).reason())
        .isEqualTo(AbortReason.MASKS_DID_NOT_CANCEL);
  }
}
