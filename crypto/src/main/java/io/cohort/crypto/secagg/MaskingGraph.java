package io.cohort.crypto.secagg;

import io.cohort.crypto.Digests;
import io.cohort.crypto.secagg.internal.MaskStream;
import io.cohort.crypto.secagg.internal.SecretBytes;
import io.cohort.crypto.secagg.internal.WireWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which pairs of nodes agree pairwise masks and hold each other's shares. Bonawitz et al. (CCS
 * 2017) use the complete graph (O(n) work and shares per node); SecAgg+ (Bell et al., CCS 2020)
 * uses a random k-regular graph with k = O(log n): a Harary graph H(k, m) over the m members of
 * the key list, placed in a random order.
 *
 * <p>The order is drawn from the session id (a hash of the full signed key list, which holds every
 * member's fresh keys), so every node and the coordinator derive the same graph without another
 * message, and no party fixes it alone before all keys are committed.
 *
 * <p>Security guarantees: a graph is symmetric and irreflexive; a node masks with, shares with, and
 * answers unmasking requests only about its neighbours, so a coordinator naming a non-neighbour is
 * caught (docs/secagg-scenarios.md S2).
 */
public interface MaskingGraph {
  /** The graph families. */
  enum Kind {
    /** Every pair of members (Bonawitz et al. 2017). */
    COMPLETE,
    /** SecAgg+: a random k-regular Harary graph (Bell et al. 2020); for large cohorts. */
    K_REGULAR
  }

  /** True when u ≠ v and both are members and neighbours. */
  boolean areNeighbours(int u, int v);

  /** u's neighbours among the members. */
  SortedSet<Integer> neighbours(int u);

  /**
   * The SecAgg+ degree for a cohort of n: the smallest even k ≥ 4·⌈log2 n⌉, or n − 1 when that is
   * not smaller (the complete graph). Bell et al. prove k = O(log n) suffices; their constants
   * depend on the tolerated dropout and corruption rates, which a job can account for by setting
   * the degree itself. Gives 24 at n = 50, 28 at n = 100, 40 at n = 1000.
   */
  static int recommendedDegree(int n) {
    int log = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)); // ⌈log2 n⌉
    int k = 4 * log;
    return k >= n - 1 ? n - 1 : k;
  }

  /** The complete graph on {@code members}. */
  static MaskingGraph complete(Set<Integer> members) {
    SortedSet<Integer> all = new TreeSet<>(members);
    return new MaskingGraph() {
      @Override
      public boolean areNeighbours(int u, int v) {
        return u != v && all.contains(u) && all.contains(v);
      }

      @Override
      public SortedSet<Integer> neighbours(int u) {
        SortedSet<Integer> s = new TreeSet<>(all);
        s.remove(u);
        return s;
      }
    };
  }

  /**
   * The Harary graph H(k, m) on the m {@code members} placed in an order drawn from {@code seed}:
   * each member is joined to the k/2 members before and after it on that cycle. When k ≥ m − 1
   * this is the complete graph.
   *
   * @param k an even degree, at least 2
   */
  static MaskingGraph kRegular(Set<Integer> members, int k, byte[] seed) {
    if (k < 2 || k % 2 != 0) {
      throw new IllegalArgumentException("a k-regular masking graph needs an even degree k >= 2, got " + k);
    }
    int m = members.size();
    if (k >= m - 1) {
      return complete(members);
    }
    List<Integer> cycle = new ArrayList<>(new TreeSet<>(members));
    shuffle(cycle, seed);
    Map<Integer, SortedSet<Integer>> adjacent = new HashMap<>();
    for (int i = 0; i < m; i++) {
      SortedSet<Integer> s = new TreeSet<>();
      for (int j = 1; j <= k / 2; j++) {
        s.add(cycle.get((i + j) % m));
        s.add(cycle.get((i - j + m) % m));
      }
      adjacent.put(cycle.get(i), Collections.unmodifiableSortedSet(s));
    }
    return new MaskingGraph() {
      @Override
      public boolean areNeighbours(int u, int v) {
        SortedSet<Integer> s = adjacent.get(u);
        return s != null && s.contains(v);
      }

      @Override
      public SortedSet<Integer> neighbours(int u) {
        SortedSet<Integer> s = adjacent.get(u);
        return s == null ? new TreeSet<>() : new TreeSet<>(s);
      }
    };
  }

  /** Fisher–Yates driven by AES-CTR keyed with SHA-256(label, seed), unbiased by rejection. */
  private static void shuffle(List<Integer> items, byte[] seed) {
    byte[] key = Digests.sha256(new WireWriter().string("cohort/secagg/v1/masking-graph").bytes(seed).toByteArray());
    MaskStream words = new MaskStream(SecretBytes.wrap(key));
    int[] w = new int[1];
    for (int i = items.size() - 1; i > 0; i--) {
      long bound = i + 1L;
      long limit = (1L << 32) - (1L << 32) % bound; // accept below a multiple of bound
      long x;
      do {
        words.next(w, 0, 1);
        x = Integer.toUnsignedLong(w[0]);
      } while (x >= limit);
      Collections.swap(items, i, (int) (x % bound));
    }
  }

  /** The graph {@code params} asks for, over a session's key list (members) and session id. */
  static MaskingGraph of(SecAggParameters params, Set<Integer> members, byte[] sessionId) {
    switch (params.graph()) {
      case COMPLETE:
        return complete(members);
      case K_REGULAR:
        return kRegular(members, params.degree(), sessionId);
      default:
        throw new IllegalArgumentException("unsupported masking graph " + params.graph());
    }
  }
}
