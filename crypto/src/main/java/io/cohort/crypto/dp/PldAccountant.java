package io.cohort.crypto.dp;

import io.cohort.crypto.dp.internal.ConnectTheDots;
import io.cohort.crypto.dp.internal.DiscretePld;
import java.util.Locale;

/**
 * Privacy-loss-distribution accountant for the Poisson-subsampled Gaussian mechanism, with the
 * pessimistic connect-the-dots discretisation of Doroshenko et al. (PoPETs 2022) and FFT
 * composition (Koskela, Jälkö and Honkela, AISTATS 2020), under add-or-remove adjacency (the
 * larger epsilon of the two relations). The same algorithm as Google dp_accounting's
 * {@code PLDAccountant} with {@code use_connect_dots=True}.
 *
 * <p>Privacy guarantees: the epsilon returned is an upper bound on the true epsilon: the
 * connect-the-dots PLD is a dominating pair for each step, composition preserves domination,
 * and every truncation moves mass towards higher loss (or to +infinity).
 *
 * <p>Error bound ({@link PrivacySpend#epsilonError()}): discretisation moves each step's loss by
 * at most h either way, with conditional mean in [0, h^2/4]. By Hoeffding's inequality, with
 * probability at least 1 - beta the n-step sum moves by at most t = h sqrt(2 n ln(1/beta)) + n
 * h^2/4, so the true epsilon at delta is at least eps_cd(delta + beta + moved mass) - t. The
 * reported error is eps - that lower bound, with beta = min(delta/1000, 1e-10): a proven bound,
 * usually loose (the actual error is far smaller).
 *
 * <p>Immutable and thread-safe.
 */
public final class PldAccountant implements PrivacyAccountant {
  /** dp_accounting's default grid spacing, in nats. */
  public static final double DEFAULT_DISCRETISATION = 1e-4;
  /** Tail mass moved per composition (pessimistically); part of the error bound. */
  private static final double TAIL_MASS = 1e-15;
  private final double h;

  private PldAccountant(double h) {
    this.h = h;
  }

  public static PldAccountant create() {
    return new PldAccountant(DEFAULT_DISCRETISATION);
  }

  /** A grid of spacing {@code discretisation} nats in (0, 0.1]: smaller is tighter and slower. */
  public static PldAccountant withDiscretisation(double discretisation) throws DpParameterException {
    return new PldAccountant(DpPreconditions.checkDiscretisation(discretisation));
  }

  @Override
  public String id() {
    return "pld-ctd-h" + h + "/1";
  }

  @Override
  public PrivacySpend epsilon(PrivacyPlan plan, double delta) throws DpParameterException {
    DpPreconditions.checkDelta(delta);
    long n = plan.totalSteps();
    double beta = Math.min(delta / 1000, 1e-10);
    double shift = h * Math.sqrt(2 * n * Math.log(1 / beta)) + n * h * h / 4;
    double eps = 0;
    double lower = 0;
    for (boolean remove : new boolean[] {true, false}) {
      DiscretePld total = null;
      for (PlanSegment s : plan.segments()) {
        DiscretePld one = ConnectTheDots.oneStep(s.samplingProbability(), s.noiseMultiplier(), h, remove);
        DiscretePld seg = one.selfCompose(s.steps(), TAIL_MASS);
        total = total == null ? seg : total.compose(seg, TAIL_MASS);
      }
      eps = Math.max(eps, total.epsilon(delta));
      double slack = beta + total.movedMass();
      lower = Math.max(lower, Math.max(0, total.epsilon(Math.min(delta + slack, 0.999999)) - shift));
    }
    double err = Double.isFinite(eps) ? eps - lower : Double.POSITIVE_INFINITY;
    return new PrivacySpend(eps, delta, err, true, id(),
        String.format(Locale.ROOT, "connect-the-dots PLD, grid %.1e nats; true epsilon in [%.6f, %.6f]", h, lower, eps));
  }
}
