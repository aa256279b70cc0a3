package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** docs/secagg-scenarios.md D1–D11: dropouts and timing, through the in-memory transport. */
class SecAggDropoutTest {
  static void assertExactSum(Harness h, AggregateResult r, Set<Integer> survivors) {
    assertThat(r.survivors()).as("U3").containsExactlyElementsOf(new java.util.TreeSet<>(survivors));
    long[] expected = h.expectedIntegerSum(survivors);
    int[] got = r.quantizedSum();
    for (int i = 0; i < got.length; i++) {
      assertThat((long) got[i]).as("coordinate %d (seed %d)", i, h.seed).isEqualTo(expected[i]);
    }
    assertThat(r.totalWeight()).isEqualTo(expected[expected.length - 1]);
  }

  @Test
  void noDropouts_sumIsExact() throws Exception {
    Harness h = new Harness(Harness.params(5, 4, 300), 5, 11);
    AggregateResult r = h.run();
    assertExactSum(h, r, h.idsExcept());
    assertThat(r.dropped()).isEmpty();
    assertThat(h.nodes.values()).allMatch(n -> n.stage() == Stage.DONE);
  }

  @Test
  void d1_dropAfterAdvertiseKeys_excludedFromU2_sumOverU3() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 200), 5, 12);
    int u = h.id(2);
    h.drop(Stage.SHARE_KEYS, u);
    AggregateResult r = h.run();
    assertExactSum(h, r, h.idsExcept(u));
    // No mask involves u: it is not in U2, so it is not even in the dropped set to unmask.
    assertThat(r.dropped()).isEmpty();
  }

  @Test
  void d2_dropAfterShareKeys_sumOverSurvivorsIsExact() throws Exception {
    Harness h = new Harness(Harness.params(6, 4, 500), 6, 13);
    int u = h.id(0);
    int w = h.id(5);
    h.drop(Stage.MASKED_INPUT, u, w);
    AggregateResult r = h.run();
    assertExactSum(h, r, h.idsExcept(u, w));
    assertThat(r.dropped()).containsExactly(u, w);
  }

  @Test
  void d3_dropAfterMaskedInput_inputIsIncluded() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 100), 5, 14);
    int u = h.id(1);
    h.drop(Stage.CONSISTENCY_CHECK, u);
    AggregateResult r = h.run();
    assertExactSum(h, r, h.idsExcept());
    assertThat(r.survivors()).contains(u);
  }

  @Test
  void d4_dropDuringUnmasking_correctWithTOthers() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 100), 5, 15);
    h.drop(Stage.UNMASKING, h.id(0), h.id(4));
    AggregateResult r = h.run();
    assertExactSum(h, r, h.idsExcept());
  }

  @ParameterizedTest
  @EnumSource(value = Stage.class, names = {"SHARE_KEYS", "MASKED_INPUT", "CONSISTENCY_CHECK", "UNMASKING"})
  void d5_survivorsBelowT_abortsAtThatStage_noSharesAfterAbort(Stage stage) throws Exception {
    Harness h = new Harness(Harness.params(5, 4, 50), 5, 16);
    h.drop(stage, h.id(0), h.id(1));
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class)
        .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.TOO_FEW_SURVIVORS);
    // Nobody released shares after the abort: the unmasking stage never completed at any node,
    // except (UNMASKING case) the t-1 answering nodes, whose answers alone cannot rebuild anything.
    long answered = h.nodes.values().stream().filter(n -> n.stage() == Stage.DONE).count();
    assertThat(answered).isLessThan(h.params.threshold());
    assertThat(h.coordinator.stage()).isEqualTo(CoordinatorSession.Stage.ABORTED);
  }

  @Test
  void d5_coordinatorAborted_laterRequestsThrowAndNodesWipeOnAbort() throws Exception {
    Harness h = new Harness(Harness.params(5, 4, 50), 5, 17);
    h.drop(Stage.MASKED_INPUT, h.id(0), h.id(1));
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class);
    for (SecAggNodeSession n : h.nodes.values()) {
      n.abort("round aborted by coordinator");
      assertThat(n.secretsForTest()).isEmpty();
      assertThatThrownBy(() -> n.unmask(new UnmaskingRequest(new byte[32], new int[0], java.util.List.of())))
          .isInstanceOf(SecAggAbortException.class);
    }
  }

  @Test
  void d6_exactlyTSurvivors_succeeds_tMinusOne_aborts() throws Exception {
    Harness ok = new Harness(Harness.params(6, 4, 80), 6, 18);
    ok.drop(Stage.MASKED_INPUT, ok.id(0), ok.id(1));
    assertExactSum(ok, ok.run(), ok.idsExcept(ok.id(0), ok.id(1)));

    Harness bad = new Harness(Harness.params(6, 4, 80), 6, 18);
    bad.drop(Stage.MASKED_INPUT, bad.id(0), bad.id(1), bad.id(2));
    assertThatThrownBy(bad::run).hasMessageContaining("U3 has 3 nodes, at least 4");
  }

  @Test
  void d7_allButOneDrop_aborts() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 10), 4, 19);
    h.drop(Stage.SHARE_KEYS, h.id(0), h.id(1), h.id(2));
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class).hasMessageContaining("U2 has 1");
  }

  @Test
  void d7_nodeRefusesToSendMaskedInput_whenU2IsBelowMinCohort() throws Exception {
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(5).threshold(3).minCohortSize(4).vectorLength(10)
        .clipBound(1).build();
    Harness h = new Harness(p, 5, 20);
    // A lying coordinator shrinks U2 in the relay to 3 members: below n_min = 4.
    h.tamper = (stage, node, toNode, b) -> {
      if (stage != Stage.MASKED_INPUT || !toNode) {
        return b;
      }
      ShareKeysRelay r = decode(b);
      int[] small = Arrays.copyOf(r.survivors(), 3);
      if (Arrays.stream(small).noneMatch(x -> x == node)) {
        small[0] = node;
      }
      return new ShareKeysRelay(r.sessionId(), r.recipient(), small, r.entries().stream()
          .filter(e -> Arrays.stream(small).anyMatch(x -> x == e.sender())).toList()).encode();
    };
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class);
    assertThat(h.nodeAborts.values()).hasSize(5)
        .allMatch(e -> e.reason() == AbortReason.TOO_FEW_SURVIVORS);
  }

  static ShareKeysRelay decode(byte[] b) {
    try {
      return ShareKeysRelay.decode(b);
    } catch (MalformedMessageException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void d8_stragglerAfterStageClosed_isDiscarded_andNoSelfMaskShareIsReleasedForIt() throws Exception {
    Harness h = new Harness(Harness.params(5, 3, 100), 5, 21);
    int u = h.id(3);
    h.straggle(Stage.MASKED_INPUT, u);
    AggregateResult r = h.run();
    assertThat(h.lateReceipts).extracting(Receipt::status).containsExactly(Receipt.Status.LATE);
    assertExactSum(h, r, h.idsExcept(u));
    assertThat(r.dropped()).containsExactly(u);
    // Honest nodes released only u's mask-key share, never its self-mask share: y_u minus the
    // pairwise masks is x_u + PRG(b_u), which stays hidden (see SecAggIndependenceTest for the statistics).
    for (SecAggNodeSession n : h.nodes.values()) {
      assertThat(n.stage()).isIn(Stage.DONE, Stage.CONSISTENCY_CHECK);
    }
  }

  @Test
  void d9_lateJoiner_notInKeyList_isRejected() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 20), 4, 22);
    int joiner = h.id(3);
    h.drop(Stage.ADVERTISE_KEYS, joiner);
    AggregateResult r = h.run();
    assertExactSum(h, r, h.idsExcept(joiner));
    // The joiner builds its own session: its messages carry a session id nobody else has.
    SecAggNodeSession late = h.newNode(joiner);
    late.advertiseKeys();
    assertThat(h.coordinator.receiveAdvertiseKeys(late.advertiseKeys()).status()).isEqualTo(Receipt.Status.LATE);
    Harness h2 = new Harness(Harness.params(4, 3, 20), 4, 22);
    h2.drop(Stage.ADVERTISE_KEYS, joiner);
    // In the open masked-input stage of a fresh round the joiner is rejected outright.
    CoordinatorSession c = openAtMaskedInput(h2);
    assertThat(c.receiveMaskedInput(new MaskedInput(c.sessionId(), joiner, new byte[4 * 21])).status())
        .isEqualTo(Receipt.Status.REJECTED);
  }

  static CoordinatorSession openAtMaskedInput(Harness h) throws Exception {
    h.openAtMaskedInput();
    return h.coordinator;
  }

  @ParameterizedTest
  @EnumSource(value = Stage.class, names = {"SHARE_KEYS", "MASKED_INPUT", "CONSISTENCY_CHECK", "UNMASKING"})
  void d10_slowClientAtEachStage_isTreatedAsDropped_sameResultAsDropTest(Stage stage) throws Exception {
    Harness slow = new Harness(Harness.params(5, 3, 64), 5, 23);
    slow.straggle(stage, slow.id(2));
    AggregateResult a = slow.run();
    Harness dropped = new Harness(Harness.params(5, 3, 64), 5, 23);
    dropped.drop(stage, dropped.id(2));
    AggregateResult b = dropped.run();
    assertThat(a.quantizedSum()).isEqualTo(b.quantizedSum());
    assertThat(a.survivors()).isEqualTo(b.survivors());
    assertThat(slow.lateReceipts).extracting(Receipt::status).containsExactly(Receipt.Status.LATE);
  }

  @Test
  void d11_duplicatesAreIgnored_conflictingDuplicateAborts() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 32), 4, 24);
    CoordinatorSession c = openAtMaskedInput(h);
    assertThat(c.stage()).isEqualTo(CoordinatorSession.Stage.MASKED_INPUT);
    // Coordinator side: identical AdvertiseKeys twice is a no-op; a different one aborts.
    CoordinatorSession c2 = new CoordinatorSession(h.params, h.jobId, h.round, h.modelHash, h.configHash, h.certified);
    SecAggNodeSession a = h.newNode(h.id(1));
    AdvertiseKeys ak = a.advertiseKeys();
    assertThat(c2.receiveAdvertiseKeys(ak).status()).isEqualTo(Receipt.Status.ACCEPTED);
    assertThat(c2.receiveAdvertiseKeys(AdvertiseKeys.decode(ak.encode())).status())
        .isEqualTo(Receipt.Status.DUPLICATE);
    assertThat(a.advertiseKeys()).isEqualTo(ak);
    AdvertiseKeys other = h.newNode(h.id(1)).advertiseKeys();
    assertThatThrownBy(() -> c2.receiveAdvertiseKeys(other)).isInstanceOf(SecAggAbortException.class)
        .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.CONFLICTING_DUPLICATE);
  }

  @Test
  void d11_nodeSide_sameRequestTwice_sameAnswer_differentRequestAborts() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 32), 4, 25);
    CoordinatorSession c = new CoordinatorSession(h.params, h.jobId, h.round, h.modelHash, h.configHash, h.certified);
    for (int id : h.ids) {
      h.nodes.put(id, h.newNode(id));
      c.receiveAdvertiseKeys(h.nodes.get(id).advertiseKeys());
    }
    KeyRoster roster = c.closeAdvertiseKeys();
    for (SecAggNodeSession n : h.nodes.values()) {
      ShareKeys first = n.shareKeys(roster);
      assertThat(n.shareKeys(KeyRoster.decode(roster.encode()))).isEqualTo(first);
      assertThat(c.receiveShareKeys(first).status()).isEqualTo(Receipt.Status.ACCEPTED);
      assertThat(c.receiveShareKeys(ShareKeys.decode(first.encode())).status()).isEqualTo(Receipt.Status.DUPLICATE);
    }
    var relays = c.closeShareKeys();
    SecAggNodeSession n0 = h.nodes.get(h.id(0));
    MaskedInput y = n0.maskedInput(relays.get(h.id(0)), h.updates.get(h.id(0)));
    assertThat(n0.maskedInput(relays.get(h.id(0)), h.updates.get(h.id(0)))).isSameAs(y);
    assertThat(c.receiveMaskedInput(y).status()).isEqualTo(Receipt.Status.ACCEPTED);
    assertThat(c.receiveMaskedInput(MaskedInput.decode(y.encode())).status()).isEqualTo(Receipt.Status.DUPLICATE);
    // A different relay for a stage already answered: the node aborts.
    assertThatThrownBy(() -> n0.maskedInput(relays.get(h.id(1)), h.updates.get(h.id(0))))
        .isInstanceOf(SecAggAbortException.class);
    // A conflicting masked input at the coordinator aborts the round.
    byte[] other = y.payload().clone();
    other[0] ^= 1;
    assertThatThrownBy(() -> c.receiveMaskedInput(new MaskedInput(y.sessionId(), y.sender(), other)))
        .isInstanceOf(SecAggAbortException.class);
  }
}
