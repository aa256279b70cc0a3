package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based test of a protocol invariant (issue 3): for random n ≤ 30, thresholds and dropout sets of up to n − t nodes
 * at any stage, the unmasked sum equals the plaintext integer sum bit-exactly, and the dequantised
 * sum is within n·Δ/2 of the float sum with nearest rounding (n·Δ with stochastic rounding, whose
 * per-value error is below Δ, not Δ/2). jqwik prints the seed of a failing try.
 */
class SecAggPropertyTest {
  private static final Stage[] DROP_STAGES = {Stage.SHARE_KEYS, Stage.MASKED_INPUT, Stage.CONSISTENCY_CHECK,
      Stage.UNMASKING};

  @Property(tries = 12) // about 1 s per try at n = 30: JDK Ed25519 verification dominates
  void unmaskedSumEqualsPlaintextSum_forAnyDropoutsUpToNMinusT(@ForAll @IntRange(min = 2, max = 30) int n,
      @ForAll long seed) throws Exception {
    Random r = new Random(seed);
    int t = n / 2 + 1 + r.nextInt(n - n / 2); // t in (n/2, n]
    int d = 1 + r.nextInt(48);
    boolean nearest = r.nextBoolean();
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(n).threshold(t).minCohortSize(2).vectorLength(d)
        .quantizationBits(1 + r.nextInt(Math.min(30, 31 - ceilLog2(n + 1)) - 1) + 1).clipBound(0.5 + r.nextDouble())
        .rounding(nearest ? SecAggParameters.Rounding.NEAREST : SecAggParameters.Rounding.STOCHASTIC).build();
    Harness h = new Harness(p, n, seed);
    List<Integer> order = new ArrayList<>(h.ids);
    Collections.shuffle(order, r);
    int drops = r.nextInt(n - t + 1);
    Set<Integer> notInSum = new TreeSet<>();
    for (int i = 0; i < drops; i++) {
      Stage s = DROP_STAGES[r.nextInt(DROP_STAGES.length)];
      h.drop(s, order.get(i));
      if (s == Stage.SHARE_KEYS || s == Stage.MASKED_INPUT) {
        notInSum.add(order.get(i));
      }
    }
    AggregateResult result = h.run();
    Set<Integer> survivors = h.idsExcept(notInSum.toArray(Integer[]::new));
    SecAggDropoutTest.assertExactSum(h, result, survivors);
    double[] floatSum = h.expectedFloatSum(survivors);
    double bound = survivors.size() * p.stepSize() * (nearest ? 0.5 : 1.0) * (1 + 1e-9);
    double[] sum = result.sum();
    for (int i = 0; i < d; i++) {
      assertThat(Math.abs(sum[i] - floatSum[i])).as("coordinate %d, seed %d", i, seed).isLessThanOrEqualTo(bound);
    }
  }

  private static int ceilLog2(int x) {
    return 32 - Integer.numberOfLeadingZeros(x - 1);
  }
}
