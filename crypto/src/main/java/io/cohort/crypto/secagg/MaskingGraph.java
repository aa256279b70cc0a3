package io.cohort.crypto.secagg;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which pairs of nodes agree pairwise masks and hold each other's shares. Bonawitz et al. (CCS
 * 2017) use the complete graph (O(n) work and shares per node); SecAgg+ (Bell et al., CCS 2020)
 * uses a random k-regular graph with k = O(log n), chosen after the key list is fixed.
 *
 * <p>Security guarantees: a graph is symmetric and irreflexive; a node masks with, and answers
 * unmasking requests only about, its neighbours, so a coordinator naming a non-neighbour is caught
 * (SECAGG-TESTS S2).
 */
public interface MaskingGraph {
  /** The graph families. Only {@link #COMPLETE} is implemented so far; SecAgg+ is planned. */
  enum Kind {
    COMPLETE
  }

  /** True when u ≠ v and both are members and neighbours. */
  boolean areNeighbours(int u, int v);

  /** u's neighbours among the members. */
  SortedSet<Integer> neighbours(int u);

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

  /** The graph of {@code kind} for a session's key list (members) and session id. */
  static MaskingGraph of(Kind kind, Set<Integer> members, byte[] sessionId) {
    switch (kind) {
      case COMPLETE:
        return complete(members);
      default:
        throw new IllegalArgumentException("unsupported masking graph " + kind);
    }
  }
}
