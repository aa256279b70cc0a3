package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** SecAgg+ (Bell et al. 2020): the random k-regular masking graph, and rounds over it. */
class MaskingGraphTest {
  private static Set<Integer> members(int m) {
    Set<Integer> s = new TreeSet<>();
    for (int i = 1; i <= m; i++) {
      s.add(100 + 7 * i);
    }
    return s;
  }

  @Test
  void kRegular_isRegularSymmetricIrreflexive_andFixedByTheSessionId() {
    long seed = 20261129L;
    SplittableRandom r = new SplittableRandom(seed);
    for (int trial = 0; trial < 40; trial++) {
      int m = 5 + r.nextInt(60);
      int k = 2 * (1 + r.nextInt((m - 2) / 2));
      byte[] sid = new byte[32];
      r.nextBytes(sid);
      Set<Integer> all = members(m);
      MaskingGraph g = MaskingGraph.kRegular(all, k, sid);
      String what = "m=" + m + " k=" + k + " (seed " + seed + ", trial " + trial + ")";
      for (int u : all) {
        SortedSet<Integer> nu = g.neighbours(u);
        assertThat(nu).as(what).hasSize(Math.min(k, m - 1)).doesNotContain(u);
        assertThat(all).as(what).containsAll(nu);
        for (int v : all) {
          assertThat(g.areNeighbours(u, v)).as(what).isEqualTo(g.areNeighbours(v, u)).isEqualTo(nu.contains(v));
        }
      }
      assertThat(adjacency(MaskingGraph.kRegular(all, k, sid.clone()), all)).as(what).isEqualTo(adjacency(g, all));
      if (k < m - 2) {
        sid[0] ^= 1;
        assertThat(adjacency(MaskingGraph.kRegular(all, k, sid), all)).as(what).isNotEqualTo(adjacency(g, all));
      }
    }
  }

  private static Map<Integer, SortedSet<Integer>> adjacency(MaskingGraph g, Set<Integer> all) {
    Map<Integer, SortedSet<Integer>> a = new HashMap<>();
    all.forEach(u -> a.put(u, g.neighbours(u)));
    return a;
  }

  @Test
  void degreeOfAtLeastMMinusOne_isTheCompleteGraph_andOddOrTinyDegreesAreRefused() {
    Set<Integer> all = members(7);
    MaskingGraph g = MaskingGraph.kRegular(all, 6, new byte[32]);
    all.forEach(u -> assertThat(g.neighbours(u)).hasSize(6));
    assertThatThrownBy(() -> MaskingGraph.kRegular(all, 3, new byte[32])).hasMessageContaining("even degree");
    assertThatThrownBy(() -> MaskingGraph.kRegular(all, 0, new byte[32])).hasMessageContaining("even degree");
  }

  @Test
  void recommendedDegree_growsWithLogN() {
    assertThat(MaskingGraph.recommendedDegree(10)).isEqualTo(9); // complete
    assertThat(MaskingGraph.recommendedDegree(50)).isEqualTo(24);
    assertThat(MaskingGraph.recommendedDegree(100)).isEqualTo(28);
    assertThat(MaskingGraph.recommendedDegree(1000)).isEqualTo(40);
    assertThat(MaskingGraph.recommendedDegree(10_000)).isEqualTo(56);
  }

  @Test
  void parameters_thresholdIsLocalToANeighbourhood_consistencyStaysGlobal() throws Exception {
    SecAggParameters p = kRegular(30, 8, 6);
    assertThat(p.degree()).isEqualTo(8);
    assertThat(p.consistencyThreshold()).isEqualTo(16); // floor(30 / 2) + 1
    assertThat(p.requiredSurvivors()).isEqualTo(16);
    assertThatThrownBy(() -> kRegular(30, 8, 10)).isInstanceOf(InvalidSecAggParametersException.class)
        .hasMessageContaining("threshold must be in [5, 9] for degree 8");
    assertThatThrownBy(() -> kRegular(30, 8, 4)).hasMessageContaining("threshold must be in [5, 9]");
    assertThatThrownBy(() -> SecAggParameters.builder().kRegularGraph(7)).hasMessageContaining("must be even");
    assertThatThrownBy(() -> SecAggParameters.builder().maxCohortSize(30).threshold(6).vectorLength(4).clipBound(1)
        .graph(MaskingGraph.Kind.K_REGULAR).build()).hasMessageContaining("even degree");
    assertThat(p.fingerprint()).isNotEqualTo(kRegular(30, 10, 6).fingerprint());
  }

  private static SecAggParameters kRegular(int n, int k, int t) throws InvalidSecAggParametersException {
    return SecAggParameters.builder().maxCohortSize(n).threshold(t).minCohortSize(3).vectorLength(40).quantizationBits(16)
        .clipBound(1.0).kRegularGraph(k).build();
  }

  /**
   * n = 24, k = 6, t = 5 of 7 holders: one node drops before its masked input (D2: its pairwise
   * masks must be rebuilt from its neighbours' shares), one after it (D3: included). Whatever the
   * graph, at most two of a neighbourhood's 7 holders are gone, so every secret is rebuilt and the
   * sum is exact. Had a node masked with a non-neighbour, the coordinator (which removes only the
   * D2 node's masks with its neighbours) would not get the exact sum.
   */
  @Test
  void secAggPlusRound_sumIsExactUnderDropoutsWithinTolerance_andSharesGoOnlyToNeighbours() throws Exception {
    for (long seed = 61; seed <= 63; seed++) {
      Harness h = new Harness(kRegular(24, 6, 5), 24, seed);
      Map<Integer, Set<Integer>> sharedWith = new HashMap<>();
      h.tamper = (stage, node, toNode, bytes) -> {
        if (stage == Stage.SHARE_KEYS && !toNode) {
          try {
            sharedWith.put(node, ShareKeys.decode(bytes).ciphertexts().keySet());
          } catch (MalformedMessageException e) {
            throw new AssertionError(e);
          }
        }
        return bytes;
      };
      int d2 = h.id(3);
      int d3 = h.id(17);
      h.drop(Stage.MASKED_INPUT, d2).drop(Stage.CONSISTENCY_CHECK, d3);
      AggregateResult r = h.run();
      SecAggDropoutTest.assertExactSum(h, r, h.idsExcept(d2));
      assertThat(r.dropped()).containsExactly(d2);
      MaskingGraph g = MaskingGraph.of(h.params, new TreeSet<>(h.ids), h.coordinator.sessionId());
      for (int u : h.ids) {
        assertThat(sharedWith.get(u)).as("node %d shares with its neighbours only (seed %d)", u, seed)
            .isEqualTo(g.neighbours(u)).hasSize(6);
      }
    }
  }

  /**
   * Each node is asked only about dropped neighbours; a coordinator that lists a non-neighbour as
   * dropped is refused (S2 over the k-regular graph), and too few answers abort the round cleanly.
   */
  @Test
  void nodesRefuseToRevealSharesOfANonNeighbour() throws Exception {
    Harness h = new Harness(kRegular(16, 4, 4), 16, 71);
    int d2 = h.id(5);
    h.drop(Stage.MASKED_INPUT, d2);
    h.tamper = (stage, node, toNode, bytes) -> {
      if (stage == Stage.UNMASKING && toNode) {
        try {
          UnmaskingRequest req = UnmaskingRequest.decode(bytes);
          MaskingGraph g = MaskingGraph.of(h.params, new TreeSet<>(h.ids), h.coordinator.sessionId());
          if (!g.areNeighbours(node, d2)) {
            // The honest request for this node omits d2; a lying coordinator adds it.
            assertThat(req.dropped()).isEmpty();
            return new UnmaskingRequest(req.sessionId(), new int[] {d2}, req.signatures()).encode();
          }
        } catch (MalformedMessageException e) {
          throw new AssertionError(e);
        }
      }
      return bytes;
    };
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class);
    MaskingGraph g = MaskingGraph.of(h.params, new TreeSet<>(h.ids), h.coordinator.sessionId());
    h.nodeAborts.forEach((id, e) -> {
      assertThat(g.areNeighbours(id, d2)).as("only non-neighbours of %d refuse", d2).isFalse();
      assertThat(e.reason()).isEqualTo(AbortReason.INCONSISTENT_SURVIVOR_SETS);
    });
    assertThat(h.nodeAborts).isNotEmpty();
  }
}
