package io.cohort.crypto.dp;

import io.cohort.crypto.dp.internal.ConnectTheDots;
import io.cohort.crypto.dp.internal.DiscretePld;
import io.cohort.crypto.dp.internal.FourierComposition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Privacy-loss-distribution accountant for the Poisson-subsampled Gaussian mechanism, with the
 * pessimistic connect-the-dots discretisation of Doroshenko et al. (PoPETs 2022) and FFT
 * composition (Koskela, Jälkö and Honkela, AISTATS 2020), under add-or-remove adjacency (the
 * larger epsilon of the two relations). The same algorithm as Google dp_accounting's
 * {@code PLDAccountant} with {@code use_connect_dots=True}: a whole heterogeneous plan is composed
 * by one forward FFT per segment (raised to the segment's step count in the frequency domain)
 * and one inverse FFT, see {@code io.cohort.crypto.dp.internal.FourierComposition}.
 *
 * <p>Privacy guarantees: the epsilon returned is an upper bound on the true epsilon: the
 * connect-the-dots PLD is a dominating pair for each step, composition preserves domination,
 * the mass that may lie above the FFT window (a Chernoff bound; the window is sized for about
 * 1e-6 delta) and a rigorous bound on the FFT rounding (typically below 1e-9) are added to the
 * mass at +infinity, and mass below the window only moves up (it wraps around into it).
 *
 * <p>Error bound ({@link PrivacySpend#epsilonError()}): connect-the-dots replaces each step's loss
 * l by one of the two grid points around it, l + Z with Z in an interval of length h given l,
 * and E[Z | l] in [0, h^2/8] (at most h^2/4 is used). By Hoeffding's inequality (applied
 * conditionally on the losses), with probability at least 1 - beta the rounding of the n-step sum
 * exceeds its mean by at most h sqrt(n ln(1/beta) / 2), so for t = h sqrt(n ln(1/beta) / 2) +
 * n h^2/4, delta_true(eps) >= delta_cd(eps + t) - beta - s, where s is the slack of
 * {@link DiscretePld#movedMass()} (tails placed off-grid in a step, the window tails, rounding).
 * Hence the true epsilon is at least eps_cd(delta + beta + s) - t, for every beta; the reported
 * error is eps minus the best of these lower bounds over beta in {delta/10, ..., delta/10^4}.
 * (Version 1 used h sqrt(2 n ln(1/beta)), i.e. a range of 2h, and beta = 1e-10: about twice as
 * wide.) It is proven but far above the actual error: 0.033 at 10,000 steps with h = 1e-4, where
 * for full-batch steps, whose exact epsilon is known, the actual excess is below 1e-4.
 *
 * <p>Grid: spacing h = {@link #DEFAULT_DISCRETISATION} unless set; if a plan's loss spread needs
 * a window above {@link #MAX_WINDOW} points (very large epsilon), h is doubled until it fits, and
 * the grid used is reported in {@link PrivacySpend#detail()} and reflected in the error.
 *
 * <p>Immutable and thread-safe.
 */
public final class PldAccountant implements PrivacyAccountant {
  /** dp_accounting's default grid spacing, in nats. */
  public static final double DEFAULT_DISCRETISATION = 1e-4;
  /** The largest FFT window, in grid points (5 arrays of doubles of this length: 160 MiB). */
  public static final int MAX_WINDOW = 1 << 22;
  /** Upper-tail mass allowed above the FFT window, relative to delta; added to delta pessimistically. */
  private static final double TAIL_MASS_PER_DELTA = 1e-6;
  private final double h;
  private final int maxWindow;

  private PldAccountant(double h, int maxWindow) {
    this.h = h;
    this.maxWindow = maxWindow;
  }

  public static PldAccountant create() {
    return new PldAccountant(DEFAULT_DISCRETISATION, MAX_WINDOW);
  }

  /** A grid of spacing {@code discretisation} nats in (0, 0.1]: smaller is tighter and slower. */
  public static PldAccountant withDiscretisation(double discretisation) throws DpParameterException {
    return new PldAccountant(DpPreconditions.checkDiscretisation(discretisation), MAX_WINDOW);
  }

  /** Tests only: a smaller window cap, to exercise the coarsening path on small plans. */
  static PldAccountant withMaxWindowForTest(double discretisation, int maxWindow) {
    return new PldAccountant(discretisation, maxWindow);
  }

  @Override
  public String id() {
    // Version 2: FFT-power composition with Chernoff windows and rounding added to delta.
    return "pld-ctd-h" + h + "/2";
  }

  @Override
  public PrivacySpend epsilon(PrivacyPlan plan, double delta) throws DpParameterException {
    DpPreconditions.checkDelta(delta);
    double tailMass = TAIL_MASS_PER_DELTA * delta;
    for (double grid = h; ; grid *= 2) {
      DiscretePld remove = compose(plan, grid, true, tailMass);
      DiscretePld add = remove == null ? null : compose(plan, grid, false, tailMass);
      if (add != null) {
        return spend(plan, delta, grid, remove, add);
      }
      if (grid * 2 > 1) {
        throw new ArithmeticException("PLD window too large even on a grid of " + grid + " nats");
      }
    }
  }

  private DiscretePld compose(PrivacyPlan plan, double grid, boolean remove, double tailMass) {
    List<DiscretePld> steps = new ArrayList<>();
    long[] counts = new long[plan.segments().size()];
    for (int i = 0; i < counts.length; i++) {
      PlanSegment s = plan.segments().get(i);
      steps.add(ConnectTheDots.oneStep(s.samplingProbability(), s.noiseMultiplier(), grid, remove));
      counts[i] = s.steps();
    }
    return FourierComposition.compose(steps, counts, tailMass, maxWindow);
  }

  private PrivacySpend spend(PrivacyPlan plan, double delta, double grid, DiscretePld remove, DiscretePld add) {
    long n = plan.totalSteps();
    double eps = 0;
    double lower = 0;
    for (DiscretePld total : new DiscretePld[] {remove, add}) {
      eps = Math.max(eps, total.epsilon(delta));
      for (double beta = delta / 10; beta >= delta / 1e4; beta /= 10) {
        double shift = grid * Math.sqrt(n * Math.log(1 / beta) / 2) + n * grid * grid / 4;
        double slack = Math.min(delta + beta + total.movedMass(), 0.999999);
        lower = Math.max(lower, total.epsilon(slack) - shift);
      }
    }
    double err = Double.isFinite(eps) ? eps - Math.min(lower, eps) : Double.POSITIVE_INFINITY;
    return new PrivacySpend(eps, delta, err, true, id(), String.format(Locale.ROOT,
        "connect-the-dots PLD, grid %.1e nats; true epsilon in [%.6f, %.6f]", grid, Math.max(0, lower), eps));
  }
}
