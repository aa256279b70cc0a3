package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import io.cohort.crypto.secagg.internal.Transcripts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** docs/secagg-scenarios.md S1–S8: a malicious or lying coordinator, checked by the nodes. */
class SecAggServerAttackTest {

  /** Rewrites the unmasking request sent to {@code victim}. */
  private static Harness.Tamper unmaskingTo(int victim, java.util.function.UnaryOperator<UnmaskingRequest> f) {
    return (stage, node, toNode, b) -> {
      if (stage != Stage.UNMASKING || !toNode || node != victim) {
        return b;
      }
      try {
        return f.apply(UnmaskingRequest.decode(b)).encode();
      } catch (MalformedMessageException e) {
        throw new AssertionError(e);
      }
    };
  }

  private static int[] plus(int[] a, int... more) {
    return IntStream.concat(Arrays.stream(a), Arrays.stream(more)).toArray();
  }

  @Test
  void s1_sameNodeListedAliveAndDead_clientAborts_andReleasesNothing() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 40), 5, 31);
    int victim = h.id(0);
    int alive = h.id(1);
    h.tamper = unmaskingTo(victim, r -> new UnmaskingRequest(r.sessionId(), plus(r.dropped(), alive), r.signatures()));
    AggregateResult r = h.run();
    assertThat(h.nodeAborts.get(victim).reason()).isEqualTo(AbortReason.INCONSISTENT_SURVIVOR_SETS);
    assertThat(h.nodeAborts.get(victim)).hasMessageContaining("both alive");
    assertThat(h.nodes.get(victim).secretsForTest()).isEmpty();
    SecAggDropoutTest.assertExactSum(h, r, h.idsExcept());
  }

  @ParameterizedTest
  @ValueSource(strings = {"recipient-itself", "listed-twice", "dropped-before-U2", "non-neighbour"})
  void s2_badDeadList_clientAborts(String variant) throws Exception {
    Harness h = new Harness(Harness.params(7, 4, 40), 7, 32);
    int victim = h.id(0);
    int early = h.id(6);
    int late = h.id(5);
    h.drop(Stage.SHARE_KEYS, early); // dead before U2
    h.drop(Stage.MASKED_INPUT, late); // legitimately dropped after U2
    h.tamper = unmaskingTo(victim, r -> new UnmaskingRequest(r.sessionId(), switch (variant) {
      case "recipient-itself" -> plus(r.dropped(), victim);
      case "listed-twice" -> plus(r.dropped(), late);
      case "dropped-before-U2" -> plus(r.dropped(), early);
      default -> plus(r.dropped(), 999_999);
    }, r.signatures()));
    h.run();
    assertThat(h.nodeAborts.get(victim).reason()).isEqualTo(AbortReason.INCONSISTENT_SURVIVOR_SETS);
    assertThat(h.nodes.get(victim).stage()).isEqualTo(Stage.ABORTED);
  }

  @Test
  void s3_differentU3ToDifferentNodes_coordinatorCannotGetTSignaturesOnBoth() throws Exception {
    // n = 5, one corrupt node (n_C = 1), t = 4 > (n + n_C) / 2 = 3.
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(5).threshold(4).corruptNodesTolerated(1)
        .minCohortSize(3).vectorLength(16).clipBound(1).build();
    Harness h = new Harness(p, 5, 33);
    Map<Integer, ShareKeysRelay> relays = h.openAtMaskedInput();
    CoordinatorSession c = h.coordinator;
    for (int id : h.ids) {
      c.receiveMaskedInput(h.nodes.get(id).maskedInput(relays.get(id), h.updates.get(id)));
    }
    int corrupt = h.id(0);
    int[] u3a = {h.id(0), h.id(1), h.id(2), h.id(3), h.id(4)};
    int[] u3b = {h.id(0), h.id(1), h.id(3), h.id(4)};
    List<Integer> groupA = List.of(h.id(1), h.id(2));
    List<Integer> groupB = List.of(h.id(3), h.id(4));
    byte[] sid = c.sessionId();
    Map<String, List<UnmaskingRequest.Signature>> sigs = new HashMap<>();
    for (var e : Map.of("a", groupA, "b", groupB).entrySet()) {
      int[] u3 = e.getKey().equals("a") ? u3a : u3b;
      List<UnmaskingRequest.Signature> list = new ArrayList<>();
      for (int id : e.getValue()) {
        list.add(new UnmaskingRequest.Signature(id, h.nodes.get(id).consistencyCheck(
            new ConsistencyCheckRequest(sid, u3)).signature()));
      }
      // The corrupt node signs whatever the coordinator wants.
      list.add(new UnmaskingRequest.Signature(corrupt, h.identities.get(corrupt).sign(Transcripts.consistency(sid, u3,
          h.modelHash, SecAggNodeSession.configDigest(h.configHash, p)))));
      sigs.put(e.getKey(), list);
    }
    // Each view has at most |group| + n_C = 3 < t signatures, and the other group's do not verify.
    for (String g : List.of("a", "b")) {
      List<UnmaskingRequest.Signature> all = new ArrayList<>(sigs.get("a"));
      all.addAll(sigs.get("b").subList(0, 2));
      int victim = (g.equals("a") ? groupA : groupB).get(0);
      assertThatThrownBy(() -> h.nodes.get(victim).unmask(new UnmaskingRequest(sid, new int[0], sigs.get(g))))
          .isInstanceOf(SecAggAbortException.class).hasMessageContaining("only 3 consistency signatures");
      int other = (g.equals("a") ? groupA : groupB).get(1);
      assertThatThrownBy(() -> h.nodes.get(other).unmask(new UnmaskingRequest(sid, new int[0],
          all)))
          .isInstanceOf(SecAggAbortException.class)
          .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.CONSISTENCY_CHECK_FAILED);
    }
  }

  @Test
  void s4_differentKeyListsToDifferentNodes_sessionIdsDiffer_clientsAbort() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 16), 5, 34);
    CoordinatorSession c = new CoordinatorSession(h.params, h.jobId, h.round, h.modelHash, h.configHash, h.certified);
    for (int id : h.ids) {
      h.nodes.put(id, h.newNode(id));
      c.receiveAdvertiseKeys(h.nodes.get(id).advertiseKeys());
    }
    KeyRoster full = c.closeAdvertiseKeys();
    int x = h.id(0);
    int dropped = h.id(4);
    KeyRoster partial = new KeyRoster(h.jobId, h.round, full.entries().stream().filter(e -> e.nodeId() != dropped).toList());
    Map<Integer, ShareKeys> sent = new HashMap<>();
    for (int id : h.ids) {
      sent.put(id, h.nodes.get(id).shareKeys(id == x ? partial : full));
    }
    assertThat(h.nodes.get(x).sessionId()).isNotEqualTo(full.sessionId());
    // A lying coordinator relays x's shares to y anyway: y sees x's validly signed, different session id.
    int y = h.id(1);
    int[] u2 = {h.id(0), h.id(1), h.id(2), h.id(3)};
    List<ShareKeysRelay.Entry> entries = new ArrayList<>();
    for (int from : u2) {
      if (from != y) {
        ShareKeys s = sent.get(from);
        entries.add(new ShareKeysRelay.Entry(from, s.sessionId(), s.commitment(), s.signature(), s.ciphertexts().get(y)));
      }
    }
    assertThatThrownBy(() -> h.nodes.get(y).maskedInput(new ShareKeysRelay(full.sessionId(), y, u2, entries),
        h.updates.get(y))).isInstanceOf(SecAggAbortException.class)
        .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.SESSION_MISMATCH);
    // The honest coordinator simply rejects x's shares: its session id is not the round's.
    assertThat(c.receiveShareKeys(sent.get(x)).status()).isEqualTo(Receipt.Status.REJECTED);
  }

  @Test
  void s4_keySubstitution_signedWithWrongIdentity_orAltered_clientAborts() throws Exception {
    for (String variant : List.of("wrong-identity", "altered-keys")) {
      Harness h = new Harness(Harness.params(5, 3, 16), 5, 35);
      int victim = h.id(0);
      int target = h.id(2);
      IdentityKeyPair attacker = Harness.identity(77_777);
      h.tamper = (stage, node, toNode, b) -> {
        if (stage != Stage.SHARE_KEYS || !toNode || node != victim) {
          return b;
        }
        try {
          KeyRoster r = KeyRoster.decode(b);
          List<AdvertiseKeys> list = new ArrayList<>();
          for (AdvertiseKeys e : r.entries()) {
            if (e.nodeId() != target) {
              list.add(e);
            } else if (variant.equals("wrong-identity")) {
              list.add(AdvertiseKeys.sign(h.jobId, h.round, target, attacker, e.cipherPublicKey(), e.cipherPublicKey()));
            } else {
              list.add(new AdvertiseKeys(e.jobId(), e.round(), target, e.identity(), e.maskPublicKey(),
                  e.cipherPublicKey(), e.signature()));
            }
          }
          return new KeyRoster(r.jobId(), r.round(), list).encode();
        } catch (MalformedMessageException e) {
          throw new AssertionError(e);
        }
      };
      h.run();
      assertThat(h.nodeAborts.get(victim).reason()).as(variant).isEqualTo(AbortReason.BAD_SIGNATURE);
    }
  }

  @Test
  void s5_sybils_fewerThanMinCertifiedIdentities_clientRefuses() throws Exception {
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(5).threshold(3).minCohortSize(3).vectorLength(8)
        .clipBound(1).build();
    Harness h = new Harness(p, 5, 36);
    // Only two real, certified nodes; the coordinator fills the cohort with three Sybils.
    var real = List.of(h.id(0), h.id(1));
    CertifiedIdentities pki = h.certified;
    h.certified = (id, key) -> real.contains(id) && pki.isCertified(id, key);
    h.coordinatorCertified = (id, key) -> true;
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class);
    for (int id : real) {
      assertThat(h.nodeAborts.get(id).reason()).isEqualTo(AbortReason.TOO_FEW_CERTIFIED_IDENTITIES);
      assertThat(h.nodeAborts.get(id)).hasMessageContaining("only 2 certified identities");
    }
  }

  @Test
  void s6_differentModelToOneNode_itsSignatureFailsEverywhere() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 16), 5, 37);
    int odd = h.id(0);
    h.modelHashes.put(odd, "model-v1-poisoned".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    ConsistencyCheckResponse[] captured = new ConsistencyCheckResponse[1];
    int victim = h.id(1);
    Harness.Tamper capture = (stage, node, toNode, b) -> {
      if (stage == Stage.CONSISTENCY_CHECK && !toNode && node == odd) {
        try {
          captured[0] = ConsistencyCheckResponse.decode(b);
        } catch (MalformedMessageException e) {
          throw new AssertionError(e);
        }
      }
      return b;
    };
    // A lying coordinator forwards the odd node's signature to the victim as if all agreed.
    Harness.Tamper inject = unmaskingTo(victim, r -> {
      List<UnmaskingRequest.Signature> s = new ArrayList<>(r.signatures());
      s.add(new UnmaskingRequest.Signature(odd, captured[0].signature()));
      return new UnmaskingRequest(r.sessionId(), r.dropped(), s);
    });
    h.tamper = (stage, node, toNode, b) -> inject.apply(stage, node, toNode, capture.apply(stage, node, toNode, b));
    AggregateResult r = h.run();
    assertThat(h.lateReceipts).extracting(Receipt::status).contains(Receipt.Status.REJECTED);
    assertThat(h.nodeAborts.get(victim).reason()).isEqualTo(AbortReason.CONSISTENCY_CHECK_FAILED);
    assertThat(r.survivors()).contains(odd); // its (masked) input was summed before the check
  }

  @Test
  void s7_freshKeysPerRound_masksNeverRepeat() throws Exception {
    Map<Long, byte[]> payloads = new HashMap<>();
    Map<Long, byte[]> sessions = new HashMap<>();
    for (long round : new long[] {1, 2}) {
      Harness h = new Harness(Harness.params(4, 3, 256), 4, 38); // same inputs and rounding coins
      h.round = round;
      int u = h.id(0);
      h.tamper = (stage, node, toNode, b) -> {
        if (stage == Stage.MASKED_INPUT && !toNode && node == u) {
          payloads.put(round, b);
        }
        return b;
      };
      h.run();
      sessions.put(round, h.coordinator.sessionId());
    }
    assertThat(sessions.get(1L)).isNotEqualTo(sessions.get(2L));
    // Same x in both rounds: if masks repeated, y1 - y2 would be 0 (it would leak x1 - x2).
    int equalWords = 0;
    byte[] a = payloads.get(1L);
    byte[] b = payloads.get(2L);
    for (int i = 64; i + 4 <= a.length; i += 4) {
      if (Arrays.equals(a, i, i + 4, b, i, i + 4)) {
        equalWords++;
      }
    }
    assertThat(equalWords).isLessThanOrEqualTo(1);
  }

  @Test
  void s8_replayedOlderRequests_areRejected() throws Exception {
    Map<Stage, byte[]> round1 = new HashMap<>();
    Harness h1 = new Harness(Harness.params(4, 3, 16), 4, 39);
    h1.tamper = (stage, node, toNode, b) -> {
      if (toNode && node == h1.id(0)) {
        round1.put(stage, b);
      }
      return b;
    };
    h1.run();
    for (Stage replayed : List.of(Stage.SHARE_KEYS, Stage.UNMASKING)) {
      Harness h2 = new Harness(Harness.params(4, 3, 16), 4, 39);
      h2.round = 2;
      int victim = h2.id(0);
      h2.tamper = (stage, node, toNode, b) -> toNode && node == victim && stage == replayed ? round1.get(stage) : b;
      h2.run();
      assertThat(h2.nodeAborts.get(victim).reason()).as(replayed.name()).isEqualTo(AbortReason.SESSION_MISMATCH);
    }
  }
}
