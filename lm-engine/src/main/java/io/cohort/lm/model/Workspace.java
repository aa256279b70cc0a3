package io.cohort.lm.model;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Recycles the large activation arrays of training passes. One GPT-2-small step at batch 16 x 128
 * allocates about 3 GB of arrays of 6 to 25 MB each; as fresh garbage they cost hundreds of G1
 * collections per step (every one a humongous allocation). Arrays go back here as soon as the pass
 * no longer reads them and are handed out again, by exact length, in the next pass.
 *
 * <p>Contents of a recycled array are stale: callers overwrite every element or ask for
 * {@link #zeros}. Only arrays that nothing reads any more may be given back. Without a workspace
 * (inference) {@link #take} allocates and {@link #give} does nothing. Free arrays of lengths the
 * current pass shape does not use are dropped when the shape changes, so memory stays bounded.
 */
final class Workspace {
  private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
  /** The same arrays by identity: giving one back twice would hand it out twice, so it is refused. */
  private final Set<float[]> freeSet = Collections.newSetFromMap(new IdentityHashMap<>());
  private long shapeKey = -1;

  /** Starts a pass of {@code rows} rows of {@code seqLen}; free arrays of another shape are dropped. */
  synchronized void begin(int batch, int seqLen) {
    long key = ((long) batch << 32) | seqLen;
    if (key != shapeKey) {
      free.clear();
      freeSet.clear();
      shapeKey = key;
    }
  }

  /** An array of exactly {@code n} values with unspecified contents. */
  static float[] take(Workspace ws, int n) {
    return ws == null ? new float[n] : ws.take(n);
  }

  /** An array of exactly {@code n} zeros. */
  static float[] zeros(Workspace ws, int n) {
    if (ws == null) {
      return new float[n];
    }
    float[] a = ws.take(n);
    java.util.Arrays.fill(a, 0f);
    return a;
  }

  /** Returns arrays nothing reads any more (nulls are ignored). */
  static void give(Workspace ws, float[]... arrays) {
    if (ws != null) {
      ws.give(arrays);
    }
  }

  /**
   * Overwrites every free array with {@code value} (tests: NaN makes any read of stale contents show
   * in the results).
   */
  synchronized void fillFree(float value) {
    for (ArrayDeque<float[]> q : free.values()) {
      for (float[] a : q) {
        java.util.Arrays.fill(a, value);
      }
    }
  }

  /** How many arrays are free now (tests: a pass that gives everything back leaves them all here). */
  synchronized int freeCount() {
    return freeSet.size();
  }

  private synchronized float[] take(int n) {
    ArrayDeque<float[]> q = free.get(n);
    float[] a = q == null ? null : q.pollFirst();
    if (a == null) {
      return new float[n];
    }
    freeSet.remove(a);
    return a;
  }

  private synchronized void give(float[]... arrays) {
    for (float[] a : arrays) {
      if (a != null) {
        if (!freeSet.add(a)) {
          throw new IllegalStateException("an activation array was given back twice");
        }
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addFirst(a);
      }
    }
  }
}
