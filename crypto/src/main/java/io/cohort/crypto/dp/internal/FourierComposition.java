package io.cohort.crypto.dp.internal;

import java.util.List;

/**
 * Composes heterogeneous one-step PLDs, {@code counts[s]} copies of each, with one forward FFT
 * per pair of segments and one inverse FFT in all: the DFT of the composition is the product of
 * the one-step DFTs raised to their counts (Koskela, Jälkö and Honkela, "Computing Tight
 * Differential Privacy Guarantees Using FFT", AISTATS 2020; the same pointwise power as Google
 * dp_accounting's {@code common.self_convolve}). Cost O(S n log n) for S segments on a window of
 * n points, independent of the number of steps.
 *
 * <p>Privacy guarantees (pessimism): the result dominates the exact composition T of the given
 * one-step PLDs, i.e. its delta(epsilon) is at least T's for every epsilon:
 *
 * <ul>
 *   <li>Window: a length-n FFT computes T modulo n. The window [A, A + n) is chosen with
 *       {@link ChernoffTails} so that T's mass above it is about {@code tailMass}; the Chernoff
 *       bound at the window's final top edge is added to the mass at +infinity. Mass below the window wraps to higher losses inside it
 *       (a pessimistic move) and mass above wraps into it (extra mass), so the circular result
 *       is pointwise at least T on the window plus T's lower tail moved up.
 *   <li>Rounding: a rigorous bound R on the l1 distance between the computed and the exact
 *       circular result is added to the mass at +infinity, and negative values are clamped to 0
 *       (R covers the clamped deficit); see {@link PowerSpectrum}. It is typically 1e-12 to 1e-9,
 *       far below delta.
 * </ul>
 *
 * <p>The result's {@link DiscretePld#movedMass()} is the slack a lower bound must allow: the
 * one-step moved masses times their counts, the tail bounds (twice the upper: it is both wrapped
 * and added) and R.
 */
public final class FourierComposition {
  private static final int MIN_SIZE = 1 << 10;

  private FourierComposition() {}

  /**
   * The composition of {@code counts[s]} copies of {@code steps.get(s)} (all on the same grid),
   * with about {@code tailMass} of the upper tail moved to +infinity; null if the window needed
   * exceeds {@code maxSize} points (the caller should use a coarser grid).
   */
  public static DiscretePld compose(List<DiscretePld> steps, long[] counts, double tailMass, int maxSize) {
    double h = steps.get(0).h;
    ChernoffTails tails = new ChernoffTails(steps, counts);
    long lo = tails.lowerIndex(tailMass);
    long hi = tails.upperIndex(tailMass);
    if (hi - lo + 1 > maxSize) {
      return null;
    }
    int n = Math.max(MIN_SIZE, Integer.highestOneBit((int) Math.max(1, hi - lo)) << 1);
    if (n > maxSize) {
      return null;
    }
    // Fill the whole power-of-two window: extra room goes above, where it lowers the added tail.
    long top = lo + n - 1;
    double above = tails.massAbove(top);
    double below = tails.massBelow(lo);
    PowerSpectrum y = PowerSpectrum.of(steps, counts, new Fft(n));
    double[] re = y.values();
    // Offset of the circular result: position r holds the losses with index = r + sum counts[s] offset[s] (mod n).
    long shift = 0;
    double logFinite = 0;
    double moved = 0;
    for (int s = 0; s < steps.size(); s++) {
      DiscretePld x = steps.get(s);
      shift += counts[s] * x.offset;
      logFinite += counts[s] * Math.log1p(-x.infinityMass);
      moved += counts[s] * x.movedMass;
    }
    double[] mass = new double[n];
    double scale = 1.0 / n;
    int start = (int) Math.floorMod(lo - shift, (long) n);
    for (int i = 0; i < n; i++) {
      mass[i] = Math.max(0, re[(start + i) & (n - 1)] * scale);
    }
    double rounding = y.roundingL1();
    double infinity = -Math.expm1(logFinite) + above + rounding;
    moved += 2 * above + below + rounding;
    return new DiscretePld(h, lo, mass, infinity, moved);
  }
}
