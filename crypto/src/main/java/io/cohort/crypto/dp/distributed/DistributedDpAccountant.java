package io.cohort.crypto.dp.distributed;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.PrivacySpend;
import io.cohort.crypto.dp.RdpConversion;
import io.cohort.crypto.dp.internal.SpecialFunctions;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * RDP accountant for distributed DP-SGD with the distributed discrete Gaussian. Exactly this bound
 * is implemented:
 *
 * <p><b>One round, no sampling</b> (Kairouz, Liu and Steinke, ICML 2021, "KLS": Theorem 1 for
 * tau, Proposition 14 / Eq. (17) for the three-way minimum). Let h honest nodes each add
 * N_Z(0, sigma_s^2) per coordinate, sigma_s >= 1/2, and let the sum's sensitivity to one unit be an
 * integer vector with ||.||_2 &lt;= Delta_2 and ||.||_1 &lt;= Delta_1. With
 * {@code tau = 10 sum_{k=1}^{h-1} exp(-2 pi^2 sigma_s^2 k/(k+1))}, l2 = Delta_2/(sqrt(h) sigma_s),
 * l1 = Delta_1/(sqrt(h) sigma_s), the sum of noises is an (alpha, eps(alpha))-RDP mechanism with
 * <pre>
 *   eps(alpha) = min{ alpha/2 l2^2 + tau D,  alpha/2 (l2^2 + 2 l1 tau + tau^2 D),  alpha/2 (l2 + sqrt(D) tau)^2 }.
 * </pre>
 * Here Delta_2 is the exact per-unit bound the encoder enforces by conditional randomized
 * rounding (KLS Theorem 1's norm bound, so rounding's inflation is in the sensitivity),
 * Delta_1 = min(sqrt(D) Delta_2, Delta_2^2) (an integer vector has |z_i| &lt;= z_i^2), D is the
 * rotated dimension, and h sigma_s^2 = totalVariance. Since each honest node's share is
 * totalVariance / h for the round's honest count h, tau is taken as its maximum over every
 * allowed h in [minHonest, maxNodes - colludersTolerated] (tau grows with h), so one curve covers
 * every contributor count a node accepts.
 *
 * <p><b>Poisson subsampling at rate q</b>: Zhu and Wang, "Poisson Subsampled Rényi Differential
 * Privacy" (ICML 2019), Theorem 5 (the general upper bound, valid for any mechanism with the RDP
 * curve above, integer alpha >= 2, add/remove-one neighbours):
 * <pre>
 *   eps_q(alpha) &lt;= 1/(alpha-1) log[ (1-q)^(alpha-1) (alpha q - q + 1) + C(alpha,2) q^2 (1-q)^(alpha-2) e^eps(2)
 *                    + 3 sum_{l=3}^{alpha} C(alpha,l) q^l (1-q)^(alpha-l) e^((l-1) eps(l)) ],
 * </pre>
 * and never more than eps(alpha). This is what KLS's own accounting code does
 * (google-research/federated, distributed_dp/accounting_utils.py). It is looser than Mironov et
 * al.'s bound for the sampled continuous Gaussian (which the factor 3 and the general form give
 * up), so even with tau -> 0 and no rounding it reports a slightly larger epsilon than
 * {@link io.cohort.crypto.dp.RdpAccountant} for the same (q, sigma, steps).
 *
 * <p>Composition over rounds adds RDP; epsilon is the minimum over integer orders 2..128 and a
 * few higher ones of the {@link RdpConversion#IMPROVED} conversion. Conditions: sigma_s >= 1/2
 * (checked when the parameters are chosen), integer orders only, honest nodes' noises independent
 * of each other and of the data, the contributor count checked by each node (it must not exceed
 * maxNodes: more contributors mean smaller shares than accounted).
 *
 * <p>Checked against the published statements on exact distributions (Canonne, Kamath and Steinke
 * 2020 for one share; KLS Theorem 1 for sums of shares; the continuous-Gaussian limit of KLS
 * Section 3) in {@code DistributedDpAccountantPublishedBoundsTest}; see docs/distributed-dp.md.
 */
public final class DistributedDpAccountant implements PrivacyAccountant {
  static final String ID = "ddg-rdp-kls14-zw5/1";
  static final int[] ORDERS = IntStream.concat(IntStream.rangeClosed(2, 128),
      IntStream.of(160, 192, 256, 320, 384, 512, 768, 1024)).toArray();
  private final DistributedDpParameters params;
  private final double tau;
  private final double l1;
  private final double l2;

  private DistributedDpAccountant(DistributedDpParameters params) {
    this.params = params;
    double v = params.totalVariance();
    double delta2 = params.roundedNormBound();
    double delta1 = Math.min(Math.sqrt(params.paddedDimension()) * delta2, delta2 * delta2);
    this.l2 = delta2 / Math.sqrt(v);
    this.l1 = delta1 / Math.sqrt(v);
    double worst = 0;
    for (int h = params.minHonest(); h <= params.maxNodes() - params.colludersTolerated(); h++) {
      worst = Math.max(worst, tau(h, v / h));
    }
    this.tau = worst;
  }

  public static DistributedDpAccountant of(DistributedDpParameters params) {
    return new DistributedDpAccountant(params);
  }

  /** KLS Theorem 1: tau = 10 sum_{k=1}^{h-1} exp(-2 pi^2 sigma_s^2 k / (k+1)). */
  public static double tau(int honestNodes, double shareVariance) {
    double t = 0;
    for (int k = 1; k < honestNodes; k++) {
      t += Math.exp(-2 * Math.PI * Math.PI * shareVariance * k / (k + 1.0));
    }
    return 10 * t;
  }

  /** The tau this accountant uses (the maximum over accepted honest counts). */
  public double tau() {
    return tau;
  }

  /** Delta_2 / sqrt(totalVariance): the effective inverse noise multiplier, rounding included. */
  public double l2Scale() {
    return l2;
  }

  /** RDP of one round without sampling (KLS Proposition 14), at order alpha >= 1. */
  public double rdpNoSampling(double alpha) {
    double dd = params.paddedDimension();
    double t1 = alpha / 2 * l2 * l2 + tau * dd;
    double t2 = alpha / 2 * (l2 * l2 + 2 * l1 * tau + tau * tau * dd);
    double t3 = alpha / 2 * Math.pow(l2 + Math.sqrt(dd) * tau, 2);
    return Math.min(t1, Math.min(t2, t3));
  }

  /** RDP of one Poisson-subsampled round at integer order alpha >= 2 (Zhu and Wang 2019, Theorem 5). */
  public double rdpOneRound(double q, int alpha) {
    double base = rdpNoSampling(alpha);
    if (q >= 1) {
      return base;
    }
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double logSum = (alpha - 1) * log1mQ + Math.log(alpha * q - q + 1);
    double logBinom = Math.log(alpha * (alpha - 1) / 2.0);
    logSum = SpecialFunctions.logAdd(logSum, logBinom + 2 * logQ + (alpha - 2) * log1mQ + rdpNoSampling(2));
    double log3 = Math.log(3);
    for (int l = 3; l <= alpha; l++) {
      logBinom += Math.log(alpha - l + 1) - Math.log(l); // C(alpha, l) from C(alpha, l-1)
      logSum = SpecialFunctions.logAdd(logSum,
          log3 + logBinom + l * logQ + (alpha - l) * log1mQ + (l - 1) * rdpNoSampling(l));
    }
    double sub = logSum / (alpha - 1);
    return Double.isNaN(sub) ? base : Math.min(sub, base);
  }

  /** Epsilon at delta after {@code steps} rounds, each Poisson-sampled at rate q. */
  public PrivacySpend epsilon(double q, long steps, double delta) throws DpParameterException {
    return epsilon(PrivacyPlan.of(q, params.noiseMultiplier(), steps), delta);
  }

  @Override
  public String id() {
    return ID;
  }

  /**
   * Epsilon of a plan of distributed rounds. Every segment's sigma must be this job's noise
   * multiplier (the codec parameters, and so Delta_2 and tau, are fixed per job); segments may
   * differ in q and steps.
   */
  @Override
  public PrivacySpend epsilon(PrivacyPlan plan, double delta) throws DpParameterException {
    DpPreconditions.checkDelta(delta);
    for (PlanSegment seg : plan.segments()) {
      if (seg.noiseMultiplier() != params.noiseMultiplier()) {
        throw new DpParameterException("sigma", "this distributed-DP accountant is for sigma = "
            + params.noiseMultiplier() + ", the plan has a segment with sigma = " + seg.noiseMultiplier());
      }
    }
    double best = Double.POSITIVE_INFINITY;
    int bestOrder = -1;
    for (int a : ORDERS) {
      double rdp = 0;
      for (PlanSegment seg : plan.segments()) {
        rdp += seg.steps() * rdpOneRound(seg.samplingProbability(), a);
      }
      double eps = RdpConversion.IMPROVED.epsilonAt(a, rdp, delta);
      if (eps < best) {
        best = eps;
        bestOrder = a;
      }
    }
    return new PrivacySpend(Math.max(0, best), delta, 0, false, ID, String.format(Locale.ROOT,
        "optimal order alpha=%d, Delta2/sqrt(var)=%.6g (sigma_eff=%.6g), tau=%.3g", bestOrder, l2, 1 / l2, tau));
  }
}
