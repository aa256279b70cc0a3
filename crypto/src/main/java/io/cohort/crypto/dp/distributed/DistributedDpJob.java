package io.cohort.crypto.dp.distributed;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place where a distributed-DP job's public terms become codec parameters, so that every
 * node and the coordinator derive bit for bit the same scale, bound and variance (the decoder must
 * undo exactly the encoders' scale). Deterministic functions of public values only.
 *
 * <p>Two derived quantities live here as well: sigma calibrated to a target epsilon under
 * {@link DistributedDpAccountant} (bisection: the codec parameters, and so the accountant, depend
 * on sigma), and the <em>ledger noise multiplier</em>, a sigma whose Poisson-subsampled Gaussian
 * RDP curve dominates the distributed accountant's at every order of a node's RDP ledger, so that
 * an unchanged ledger (mechanism {@code poisson-gaussian}) composes distributed rounds
 * conservatively with everything else spent on the dataset.
 */
public final class DistributedDpJob {
  private static final double MIN_SIGMA = 0.05;
  private static final double MAX_SIGMA = 1e4;
  private static final Map<List<Object>, DistributedDpParameters> RESOLVED = new ConcurrentHashMap<>();

  private DistributedDpJob() {}

  /**
   * The codec parameters of a job (32-bit ring, no colluders tolerated, KLS's beta, wrap 1e-9).
   *
   * @param dimension d, the number of model parameters in the global model's tensor order
   */
  public static DistributedDpParameters parameters(double clipNorm, double sigma, int dimension, int maxNodes,
      int minHonest, double expectedBatchSize) throws DpParameterException {
    return DistributedDpParameters.choose(
        DistributedDpParameters.Job.of(clipNorm, sigma, dimension, maxNodes, minHonest, expectedBatchSize));
  }

  /**
   * The codec parameters of a job as its terms state them: sigma itself ({@code sigma} > 0) or
   * calibrated to {@code targetEpsilon} at {@code delta} over {@code rounds} rounds at rate q.
   * Nodes and the coordinator call this with the same public values and get the same parameters.
   */
  public static DistributedDpParameters resolve(double clipNorm, double sigma, double targetEpsilon, double delta,
      double q, long rounds, int dimension, int maxNodes, int minHonest, double expectedBatchSize)
      throws DpParameterException {
    return resolve(clipNorm, sigma, targetEpsilon, delta, q, rounds, dimension, maxNodes, minHonest,
        expectedBatchSize, null);
  }

  /**
   * As above, where the job also charges {@code otherReleases} to the same ledgers (its noised
   * evaluations, issue 19 #3; null when none): the calibrated sigma leaves their spend out of the
   * training rounds' share, so training and releases together record at most the target.
   */
  public static DistributedDpParameters resolve(double clipNorm, double sigma, double targetEpsilon, double delta,
      double q, long rounds, int dimension, int maxNodes, int minHonest, double expectedBatchSize,
      PrivacyPlan otherReleases) throws DpParameterException {
    List<Object> key = List.of(clipNorm, sigma, targetEpsilon, delta, q, (double) rounds, (double) dimension,
        (double) maxNodes, (double) minHonest, expectedBatchSize, otherReleases == null ? "" : otherReleases);
    DistributedDpParameters hit = RESOLVED.get(key);
    if (hit != null) {
      return hit; // calibration takes seconds and every round asks again; the result is a pure function
    }
    double s = sigma > 0 ? sigma : calibrateSigmaForLedger(targetEpsilon, delta, q, rounds, clipNorm, dimension,
        maxNodes, minHonest, expectedBatchSize, otherReleases);
    DistributedDpParameters p = parameters(clipNorm, s, dimension, maxNodes, minHonest, expectedBatchSize);
    if (RESOLVED.size() > 256) {
      RESOLVED.clear();
    }
    RESOLVED.put(key, p);
    return p;
  }

  /** Epsilon at delta of {@code rounds} distributed rounds at rate q with sigma. */
  public static double epsilon(double clipNorm, double sigma, int dimension, int maxNodes, int minHonest,
      double expectedBatchSize, double q, long rounds, double delta) throws DpParameterException {
    DistributedDpParameters p = parameters(clipNorm, sigma, dimension, maxNodes, minHonest, expectedBatchSize);
    return DistributedDpAccountant.of(p).epsilon(q, rounds, delta).epsilon();
  }

  /**
   * The smallest sigma (to a relative 1e-6, geometric bisection) whose {@code rounds} rounds spend
   * at most {@code epsilon} at {@code delta} under {@link DistributedDpAccountant}.
   *
   * @throws DpParameterException ("epsilon") when no sigma up to 10^4 meets it
   */
  public static double calibrateSigma(double epsilon, double delta, double q, long rounds, double clipNorm,
      int dimension, int maxNodes, int minHonest, double expectedBatchSize) throws DpParameterException {
    DpPreconditions.checkEpsilon(epsilon);
    DpPreconditions.checkDelta(delta);
    DpPreconditions.checkSamplingProbability(q);
    DpPreconditions.checkSteps(rounds);
    double hi = 1.0;
    while (!fits(hi, epsilon, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest, expectedBatchSize)) {
      hi *= 2;
      if (hi > MAX_SIGMA) {
        throw new DpParameterException("epsilon", "epsilon " + epsilon + " at delta " + delta
            + " cannot be met with sigma <= " + MAX_SIGMA + " in " + rounds + " distributed rounds at q " + q);
      }
    }
    double lo = hi / 2;
    while (lo > MIN_SIGMA && fits(lo, epsilon, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest,
        expectedBatchSize)) {
      hi = lo;
      lo /= 2;
    }
    while (hi / lo > 1 + 1e-6) {
      double mid = Math.sqrt(lo * hi);
      if (fits(mid, epsilon, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest, expectedBatchSize)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  /**
   * The smallest sigma (relative 1e-6) whose rounds, as a node's RDP ledger records them (each one
   * step at {@link #ledgerNoiseMultiplier}), spend at most {@code epsilon}: what a job's target means
   * on the nodes, whose budget is judged by the ledger. The distributed accountant's own epsilon is
   * then at most that (the ledger's record dominates it), so the job never records more than its
   * target and a node whose budget equals the target accepts it.
   */
  public static double calibrateSigmaForLedger(double epsilon, double delta, double q, long rounds, double clipNorm,
      int dimension, int maxNodes, int minHonest, double expectedBatchSize) throws DpParameterException {
    return calibrateSigmaForLedger(epsilon, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest,
        expectedBatchSize, null);
  }

  /**
   * As above, with {@code otherReleases} (null: none) composed into the ledger's record: the rounds
   * and the releases together spend at most {@code epsilon}.
   *
   * @throws DpParameterException ("epsilon") when the releases alone spend the target
   */
  public static double calibrateSigmaForLedger(double epsilon, double delta, double q, long rounds, double clipNorm,
      int dimension, int maxNodes, int minHonest, double expectedBatchSize, PrivacyPlan otherReleases)
      throws DpParameterException {
    double lo = calibrateSigma(epsilon, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest,
        expectedBatchSize); // the ledger over-counts, so its sigma is at least this one
    RdpAccountant ledger = RdpAccountant.create();
    double hi = lo;
    if (otherReleases != null && ledger.epsilon(otherReleases, delta).epsilon() >= epsilon) {
      throw new DpParameterException("epsilon", String.format(java.util.Locale.ROOT, "the job's other releases"
          + " (noised evaluations) alone spend epsilon %.4f of the target %s at delta %s; raise"
          + " privacy.evaluation_noise_multiplier or the epsilon", ledger.epsilon(otherReleases, delta).epsilon(),
          epsilon, delta));
    }
    while (ledgerEpsilon(ledger, hi, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest, expectedBatchSize,
        otherReleases) > epsilon) {
      lo = hi;
      hi *= 1.25;
      if (hi > MAX_SIGMA) {
        throw new DpParameterException("epsilon", "epsilon " + epsilon + " at delta " + delta
            + " cannot be recorded within sigma <= " + MAX_SIGMA);
      }
    }
    if (hi == lo) {
      return hi;
    }
    while (hi / lo > 1 + 1e-6) {
      double mid = Math.sqrt(lo * hi);
      if (ledgerEpsilon(ledger, mid, delta, q, rounds, clipNorm, dimension, maxNodes, minHonest, expectedBatchSize,
          otherReleases) <= epsilon) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static double ledgerEpsilon(RdpAccountant ledger, double sigma, double delta, double q, long rounds,
      double clipNorm, int dimension, int maxNodes, int minHonest, double expectedBatchSize, PrivacyPlan otherReleases)
      throws DpParameterException {
    DistributedDpParameters p = parameters(clipNorm, sigma, dimension, maxNodes, minHonest, expectedBatchSize);
    PrivacyPlan training = PrivacyPlan.of(q, ledgerNoiseMultiplier(p, q, ledger), rounds);
    return ledger.epsilon(otherReleases == null ? training : training.then(otherReleases), delta).epsilon();
  }

  private static boolean fits(double sigma, double epsilon, double delta, double q, long rounds, double clipNorm,
      int dimension, int maxNodes, int minHonest, double expectedBatchSize) throws DpParameterException {
    try {
      return epsilon(clipNorm, sigma, dimension, maxNodes, minHonest, expectedBatchSize, q, rounds, delta) <= epsilon;
    } catch (DpParameterException e) {
      if ("noiseMultiplier".equals(e.parameter())) { // a share below KLS Theorem 1's 1/2 at this sigma
        return false;
      }
      throw e;
    }
  }

  /**
   * The largest noise multiplier sigma_L such that one step of the Poisson-subsampled Gaussian at
   * (q, sigma_L) has RDP at least the distributed round's at every order of {@code ledger}'s grid
   * ({@link #distributedRdp}: the accountant's bound, extended to fractional orders soundly). A ledger that records
   * (q, sigma_L) per round therefore over-counts, never under-counts, the distributed rounds at
   * every order it converts from.
   */
  public static double ledgerNoiseMultiplier(DistributedDpParameters p, double q, RdpAccountant ledger)
      throws DpParameterException {
    DistributedDpAccountant acc = DistributedDpAccountant.of(p);
    double[] orders = ledger.orders().values();
    double[] target = new double[orders.length];
    for (int i = 0; i < orders.length; i++) {
      target[i] = distributedRdp(acc, q, orders[i]);
    }
    double lo = MIN_SIGMA / 10; // dominates: tiny sigma, huge RDP
    double hi = p.noiseMultiplier() * 2;
    if (!dominates(ledger, q, lo, target)) {
      throw new DpParameterException("sigma", "no Gaussian noise multiplier dominates this distributed round");
    }
    if (dominates(ledger, q, hi, target)) {
      return hi;
    }
    while (hi / lo > 1 + 1e-9) {
      double mid = Math.sqrt(lo * hi);
      if (dominates(ledger, q, mid, target)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * An upper bound on the distributed round's RDP at any order alpha > 1. Without sampling (q = 1),
   * KLS Proposition 14 holds at every real order. With sampling, Zhu–Wang's bound is for integers;
   * between integers a < alpha < a + 1 (a >= 2) it uses that (alpha − 1)·RDP(alpha) is convex in
   * alpha (the log of a moment generating function; a supremum over neighbours keeps convexity), so
   * the chord through a and a + 1 bounds it; below 2 it uses RDP(2) (RDP grows with the order).
   */
  static double distributedRdp(DistributedDpAccountant acc, double q, double alpha) {
    if (q >= 1) {
      return acc.rdpNoSampling(alpha);
    }
    if (alpha <= 2) {
      return acc.rdpOneRound(q, 2);
    }
    int a = (int) Math.floor(alpha);
    if (a == alpha) {
      return acc.rdpOneRound(q, a);
    }
    double lower = (a - 1) * acc.rdpOneRound(q, a);
    double upper = a * acc.rdpOneRound(q, a + 1);
    return ((a + 1 - alpha) * lower + (alpha - a) * upper) / (alpha - 1);
  }

  private static boolean dominates(RdpAccountant ledger, double q, double sigma, double[] target)
      throws DpParameterException {
    double[] rdp = ledger.rdp(PrivacyPlan.of(q, sigma, 1));
    for (int i = 0; i < rdp.length; i++) {
      if (!(rdp[i] >= target[i])) {
        return false;
      }
    }
    return true;
  }
}
