package io.cohort.crypto.dp.internal;

/**
 * A privacy loss distribution on the grid {@code (offset + j) * h}, plus a mass at +infinity:
 * the distribution of the privacy loss log(P(X)/Q(X)) for X ~ P (Koskela, Jälkö and Honkela 2020;
 * Doroshenko, Ghazi, Kamath, Kumar and Manurangsi 2022). Immutable.
 *
 * <p>Composition (the PLD of an adaptive composition is the convolution of the PLDs) is done by
 * {@link FourierComposition}. Every approximation on the way moves mass pessimistically (to
 * higher loss or to +infinity) and is tracked in {@link #movedMass()}, the slack a lower bound on
 * the true epsilon must allow for.
 */
public final class DiscretePld {
  final double h;
  final long offset;
  final double[] mass;
  final double infinityMass;
  final double movedMass;

  DiscretePld(double h, long offset, double[] mass, double infinityMass, double movedMass) {
    this.h = h;
    this.offset = offset;
    this.mass = mass;
    this.infinityMass = infinityMass;
    this.movedMass = movedMass;
  }

  /** Total mass moved or added pessimistically (tails, truncation, rounding) on the way to this PLD. */
  public double movedMass() {
    return movedMass;
  }

  public int size() {
    return mass.length;
  }

  /**
   * Drops end runs of total mass at most {@code tailMass}: the upper one to +infinity, the lower
   * one up to the lowest kept point.
   */
  DiscretePld truncate(double tailMass) {
    int hi = mass.length - 1;
    double top = 0;
    while (hi > 0 && top + mass[hi] <= tailMass) {
      top += mass[hi--];
    }
    int lo = 0;
    double bottom = 0;
    while (lo < hi && bottom + mass[lo] <= tailMass) {
      bottom += mass[lo++];
    }
    if (lo == 0 && hi == mass.length - 1) {
      return this;
    }
    double[] m = java.util.Arrays.copyOfRange(mass, lo, hi + 1);
    m[0] += bottom; // raising low losses is pessimistic
    return new DiscretePld(h, offset + lo, m, infinityMass + top, movedMass + top + bottom);
  }

  /** delta(epsilon) = P[L = inf] + sum over losses l > epsilon of mass(l) (1 - e^(epsilon - l)). */
  public double delta(double epsilon) {
    double d = infinityMass;
    for (int j = mass.length - 1; j >= 0; j--) {
      double l = (offset + j) * h;
      if (l <= epsilon) {
        break;
      }
      d += mass[j] * -Math.expm1(epsilon - l);
    }
    return d;
  }

  /**
   * The smallest epsilon >= 0 with delta(epsilon) <= delta (+infinity if the mass at infinity
   * alone exceeds delta). Exact for this discrete distribution: between grid points delta is
   * A - e^eps B with A, B fixed, solved in closed form.
   */
  public double epsilon(double delta) {
    if (infinityMass > delta) {
      return Double.POSITIVE_INFINITY;
    }
    double a = infinityMass;
    double b = 0;
    for (int j = mass.length - 1; j >= 0; j--) {
      if (mass[j] == 0) {
        // Nothing changes A or B here, so the crossing found at the next point is the same; and
        // skipping avoids 0 * e^(-l) = NaN far down a wide window.
        continue;
      }
      double l = (offset + j) * h;
      if (b > 0 && a - Math.exp(l) * b > delta) {
        return Math.max(0, Math.log((a - delta) / b));
      }
      a += mass[j];
      b += mass[j] * Math.exp(-l);
    }
    return b > 0 && a > delta ? Math.max(0, Math.log((a - delta) / b)) : 0;
  }
}
