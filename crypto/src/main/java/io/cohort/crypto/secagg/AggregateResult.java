package io.cohort.crypto.secagg;

import java.util.Arrays;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The output of a successful round: the unmasked sum over U3 of the quantised updates, which the
 * coordinator learns and nothing more (Bonawitz et al. 2017, theorem 6.3).
 *
 * <p>Coordinate i of {@link #quantizedSum()} is Σ_{u∈U3} q_u[i] as a signed 32-bit integer
 * (bit-exact); {@link #sum()} is that times Δ; {@link #totalWeight()} is Σ weights. With uniform
 * weights {@link #mean()} is sum / |U3|; with example-count weights the values were pre-scaled by
 * count / W_max, so the weighted mean is sum · W_max / Σ counts. Error: |sum − Σ clip(x)| < |U3|·Δ per
 * coordinate with stochastic rounding (≤ |U3|·Δ/2 with nearest rounding), before the weight division.
 */
public final class AggregateResult {
  /** The unmasked accumulator itself (d words, then the weight word): owned, not copied. */
  private final int[] quantizedSum;
  private final long totalWeight;
  private final double stepSize;
  private final SecAggParameters params;
  private final SortedSet<Integer> survivors;
  private final SortedSet<Integer> dropped;
  private final SortedSet<Integer> blamed;

  AggregateResult(int[] accumulator, SecAggParameters params, SortedSet<Integer> survivors,
      SortedSet<Integer> dropped, SortedSet<Integer> blamed) {
    // Takes over the session's accumulator rather than copying it: a copy is one more model-sized
    // array at the coordinator's peak (benchmarks: at most two accumulators).
    this.quantizedSum = accumulator;
    this.totalWeight = Integer.toUnsignedLong(accumulator[params.vectorLength()]);
    this.stepSize = params.stepSize();
    this.params = params;
    this.survivors = new TreeSet<>(survivors);
    this.dropped = new TreeSet<>(dropped);
    this.blamed = new TreeSet<>(blamed);
  }

  /** Σ q_u over U3, one signed int per coordinate (a copy). */
  public int[] quantizedSum() {
    return Arrays.copyOf(quantizedSum, params.vectorLength());
  }

  /** The sum of weights (example counts, or |U3| with uniform weights). */
  public long totalWeight() {
    return totalWeight;
  }

  /** Δ, the value of one quantisation step. */
  public double stepSize() {
    return stepSize;
  }

  /** The dequantised sum Σ_{u∈U3} scale_u · x_u. */
  public double[] sum() {
    double[] s = new double[params.vectorLength()];
    for (int i = 0; i < s.length; i++) {
      s[i] = quantizedSum[i] * stepSize;
    }
    return s;
  }

  /** The (weighted) mean of the survivors' updates; total weight is never zero here (A7). */
  public double[] mean() {
    double[] s = new double[params.vectorLength()];
    for (int i = 0; i < s.length; i++) {
      s[i] = mean(i);
    }
    return s;
  }

  /** Coordinate i of {@link #mean()}, without allocating a model-sized array. */
  public double mean(int i) {
    if (i < 0 || i >= params.vectorLength()) {
      throw new IndexOutOfBoundsException("coordinate " + i + " of " + params.vectorLength());
    }
    double factor = params.weighting() == SecAggParameters.Weighting.EXAMPLE_COUNT
        ? (double) params.maxExampleCount() / totalWeight
        : 1.0 / totalWeight;
    return quantizedSum[i] * stepSize * factor;
  }

  /** U3: the nodes whose updates are in the sum. */
  public SortedSet<Integer> survivors() {
    return new TreeSet<>(survivors);
  }

  /** U2 \ U3: nodes that shared keys but whose masked input is not in the sum. */
  public SortedSet<Integer> dropped() {
    return new TreeSet<>(dropped);
  }

  /** Nodes that sent shares inconsistent with the commitment or public key (C2, C3). */
  public SortedSet<Integer> blamed() {
    return new TreeSet<>(blamed);
  }

  @Override
  public String toString() {
    return "AggregateResult[d=" + params.vectorLength() + ", U3=" + survivors + ", dropped=" + dropped
        + ", totalWeight=" + totalWeight + ", blamed=" + blamed + "]";
  }
}
