package io.cohort.crypto.dp;

import io.cohort.crypto.dp.internal.RdpMath;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (Mironov, Talwar and Zhang,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", 2019).
 *
 * <p>For each order alpha of the grid, the RDP of one step is computed exactly for integer alpha
 * and by the convergent series for fractional alpha, in log space; RDP adds over steps and over
 * heterogeneous segments (Mironov 2017, Prop. 1); epsilon is the minimum over orders of the
 * chosen {@link RdpConversion}. With {@link RdpOrders#OPACUS_DEFAULT} and
 * {@link RdpConversion#IMPROVED} it reproduces Opacus's {@code RDPAccountant}.
 *
 * <p>Privacy guarantees: the result is a valid upper bound on epsilon at every order (a
 * divergence that overflows is taken as +infinity, never truncated). RDP is not tight: the PLD
 * accountant (the PLD accountant) is typically lower. {@link PrivacySpend#errorBounded()} is
 * false because the gap to the true epsilon is unknown.
 *
 * <p>Immutable and thread-safe; per-(q, sigma) RDP curves are memoised.
 */
public final class RdpAccountant implements PrivacyAccountant {
  private static final int CACHE_LIMIT = 4096;
  private final RdpOrders orders;
  private final RdpConversion conversion;
  private final Map<Long, double[]> cache = new ConcurrentHashMap<>();

  private RdpAccountant(RdpOrders orders, RdpConversion conversion) {
    this.orders = orders;
    this.conversion = conversion;
  }

  /** The default: extended order grid, improved conversion. */
  public static RdpAccountant create() {
    return new RdpAccountant(RdpOrders.EXTENDED, RdpConversion.IMPROVED);
  }

  /** Opacus's order grid and conversion: numbers comparable with Opacus and TF Privacy. */
  public static RdpAccountant opacusCompatible() {
    return new RdpAccountant(RdpOrders.OPACUS_DEFAULT, RdpConversion.IMPROVED);
  }

  public static RdpAccountant of(RdpOrders orders, RdpConversion conversion) {
    return new RdpAccountant(orders, conversion);
  }

  @Override
  public String id() {
    String grid = orders == RdpOrders.OPACUS_DEFAULT ? "opacus" : orders == RdpOrders.EXTENDED ? "extended"
        : "custom" + orders.size();
    return "rdp-" + grid + "-" + conversion.name().toLowerCase(Locale.ROOT) + "/1";
  }

  public RdpOrders orders() {
    return orders;
  }

  /** The plan's total RDP at each order of the grid (same indexing as {@link RdpOrders#values()}). */
  public double[] rdp(PrivacyPlan plan) {
    double[] total = new double[orders.size()];
    for (PlanSegment s : plan.segments()) {
      double[] one = oneStep(s.samplingProbability(), s.noiseMultiplier());
      for (int i = 0; i < total.length; i++) {
        total[i] += one[i] * s.steps();
      }
    }
    return total;
  }

  @Override
  public PrivacySpend epsilon(PrivacyPlan plan, double delta) throws DpParameterException {
    DpPreconditions.checkDelta(delta);
    double[] rdp = rdp(plan);
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    for (int i = 0; i < rdp.length; i++) {
      double eps = conversion.epsilon(orders.at(i), rdp[i], delta);
      if (eps < best) { // NaN never compares less: skipped, as Opacus's nanargmin does
        best = eps;
        bestOrder = orders.at(i);
      }
    }
    // A negative value can only come from the conversion's constants at tiny RDP; 0 is the floor.
    best = Math.max(0, best);
    return new PrivacySpend(best, delta, 0, false, id(), "optimal order alpha=" + bestOrder);
  }

  private double[] oneStep(double q, double sigma) {
    long key = Double.doubleToLongBits(q) * 31 + Double.doubleToLongBits(sigma);
    double[] hit = cache.get(key);
    if (hit != null && hit[hit.length - 2] == q && hit[hit.length - 1] == sigma) {
      return hit;
    }
    double[] v = new double[orders.size() + 2];
    for (int i = 0; i < orders.size(); i++) {
      v[i] = RdpMath.rdpOneStep(q, sigma, orders.at(i));
    }
    v[v.length - 2] = q; // the key is a hash: keep (q, sigma) to rule out collisions
    v[v.length - 1] = sigma;
    if (cache.size() > CACHE_LIMIT) {
      cache.clear();
    }
    cache.put(key, v);
    return v;
  }
}
