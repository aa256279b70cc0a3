package io.cohort.crypto.dp.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.RdpConversion;
import org.junit.jupiter.api.Test;

/**
 * {@link DistributedDpAccountant} against the published results it rests on, evaluated on the
 * exact distributions (no sampling, no paper table: the printed tables of Kairouz, Liu and
 * Steinke 2021 were not available offline, so what is compared is each paper's closed-form
 * statement, checked against the Rényi divergence of the exact discrete distributions computed
 * here by summing their probability mass functions):
 *
 * <ol>
 *   <li>Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS
 *       2020: one discrete Gaussian N_Z(0, s^2) with an integer shift D has Rényi divergence
 *       exactly alpha D^2 / (2 s^2) at integer orders (the continuous Gaussian's, Mironov 2017).
 *       Our accountant with one honest node (tau = 0) must give exactly that.
 *   <li>Kairouz, Liu and Steinke, "The Distributed Discrete Gaussian Mechanism", ICML 2021,
 *       Theorem 1: the sum of h independent N_Z(0, s^2) satisfies
 *       D_alpha(S + D || S) &lt;= alpha D^2 / (2 h s^2) + tau, tau = 10 sum_{k=1}^{h-1} e^{-2 pi^2 s^2 k/(k+1)}.
 *       The exact divergence must lie between the continuous Gaussian's curve and that bound, and
 *       our accountant's curve must dominate it, per coordinate and for integer vectors.
 *   <li>KLS's qualitative claim (Section 3): as the shares' s grows, the sum's (epsilon, delta)
 *       approaches the continuous Gaussian's with the same variance; at s = 1/2 it does not.
 * </ol>
 */
class DistributedDpAccountantPublishedBoundsTest {
  private static final int[] ALPHAS = {2, 3, 5, 8};

  /** Parameters with no rounding or subsampling in play: D coordinates, h honest nodes, total variance V. */
  static DistributedDpParameters exactSetting(int dims, int honest, long totalVariance, long normSq) {
    return new DistributedDpParameters(1.0, 1.0, dims, dims, honest, honest, 0, 1.0, 32, 0.0, 1.0,
        totalVariance, normSq, 1, 0.0);
  }

  @Test
  void oneDiscreteGaussian_accountantEqualsTheExactDivergence_cks2020() {
    for (long v : new long[] {1, 4, 25}) {
      for (int shift : new int[] {1, 3}) {
        double[] pmf = ExactSum.of(1, v);
        DistributedDpAccountant a = DistributedDpAccountant.of(exactSetting(1, 1, v, (long) shift * shift));
        for (int alpha : ALPHAS) {
          double exact = ExactSum.renyi(pmf, shift, alpha);
          double closedForm = alpha * shift * shift / (2.0 * v);
          String at = "variance=" + v + " shift=" + shift + " alpha=" + alpha;
          assertThat(exact).as(at).isCloseTo(closedForm, within(1e-9 * closedForm));
          assertThat(a.rdpNoSampling(alpha)).as(at).isCloseTo(exact, within(1e-9 * exact));
        }
      }
    }
  }

  @Test
  void sumOfShares_exactDivergence_liesBetweenGaussianAndKlsTheorem1_andUnderTheAccountant() {
    // (honest nodes h, total variance V): shares V/h of 1/4 (KLS's floor), 1/2, 1, 2.
    long[][] settings = {{4, 1}, {2, 1}, {3, 3}, {5, 5}, {2, 4}, {3, 6}};
    for (long[] s : settings) {
      int h = (int) s[0];
      long v = s[1];
      double share = (double) v / h;
      double tau = DistributedDpAccountant.tau(h, share);
      double[] pmf = ExactSum.of(h, share);
      for (int shift : new int[] {1, 2}) {
        DistributedDpAccountant a = DistributedDpAccountant.of(exactSetting(1, h, v, (long) shift * shift));
        assertThat(a.tau()).isCloseTo(tau, within(1e-15));
        for (int alpha : ALPHAS) {
          String at = "h=" + h + " share=" + share + " shift=" + shift + " alpha=" + alpha;
          double exact = ExactSum.renyi(pmf, shift, alpha);
          double gaussian = alpha * shift * shift / (2.0 * v);
          assertThat(exact).as(at + " (KLS Theorem 1)").isLessThanOrEqualTo(gaussian + tau + 1e-12);
          assertThat(a.rdpNoSampling(alpha)).as(at + " (accountant)").isGreaterThanOrEqualTo(exact - 1e-12);
        }
      }
    }
    // The discreteness shows at the 1/4 floor (the sum is no Gaussian there) and vanishes at shares of 1.
    double[] floor = ExactSum.of(4, 0.25);
    assertThat(Math.abs(ExactSum.renyi(floor, 1, 2) - 2 / 2.0)).isGreaterThan(1e-3);
    double[] unit = ExactSum.of(3, 1.0);
    assertThat(Math.abs(ExactSum.renyi(unit, 1, 2) - 2 / 6.0)).isLessThan(1e-6);
  }

  @Test
  void integerVectors_exactDivergenceIsUnderTheAccountantsCurve() {
    // D = 4 coordinates, 3 nodes of share 1/2 (V = 3/2 rounded up to 2, so shares 2/3), ||Delta||^2 <= 4:
    // the worst vectors of that norm are (2,0,0,0) and (1,1,1,1); independent coordinates add.
    int h = 3;
    long v = 2;
    double[] pmf = ExactSum.of(h, (double) v / h);
    DistributedDpAccountant a = DistributedDpAccountant.of(exactSetting(4, h, v, 4));
    for (int alpha : ALPHAS) {
      double concentrated = ExactSum.renyi(pmf, 2, alpha);
      double spread = 4 * ExactSum.renyi(pmf, 1, alpha);
      assertThat(a.rdpNoSampling(alpha)).as("alpha=" + alpha)
          .isGreaterThanOrEqualTo(Math.max(concentrated, spread) - 1e-12);
      // ... and it is not loose by more than KLS's additive terms allow.
      assertThat(a.rdpNoSampling(alpha)).isLessThanOrEqualTo(alpha * 4 / (2.0 * v) + 4 * a.tau() + 1e-12);
    }
  }

  @Test
  void asSharesGrow_epsilonApproachesTheContinuousGaussian_kls2021Section3() throws Exception {
    // 3 nodes, one coordinate, sensitivity 1, total variance V (shares V/3), no sampling, 50 releases,
    // delta 1e-5, against the continuous Gaussian with the same variance: its RDP alpha/(2V) per release
    // (Mironov 2017) through the same orders and conversion, so the gap is the discreteness (tau) alone.
    double previousGap = Double.POSITIVE_INFINITY;
    double firstGap = 0;
    for (long v : new long[] {1, 2, 4, 9}) {
      DistributedDpAccountant a = DistributedDpAccountant.of(exactSetting(1, 3, v, 1));
      double eps = a.epsilon(PrivacyPlan.of(1.0, 1.0, 50), 1e-5).epsilon();
      double gaussian = Double.POSITIVE_INFINITY;
      for (int alpha : DistributedDpAccountant.ORDERS) {
        gaussian = Math.min(gaussian, RdpConversion.IMPROVED.epsilonAt(alpha, 50 * alpha / (2.0 * v), 1e-5));
      }
      double gap = eps / gaussian - 1;
      System.out.printf(java.util.Locale.ROOT, "share variance %.3f: tau %.3g, distributed eps %.6f,"
          + " continuous Gaussian eps %.6f, relative gap %.3g%n", v / 3.0, a.tau(), eps, gaussian, gap);
      assertThat(gap).as("V=" + v).isGreaterThanOrEqualTo(-1e-12).isLessThan(previousGap);
      if (v == 1) {
        firstGap = gap;
      }
      previousGap = gap;
    }
    assertThat(firstGap).as("share 1/3: the discreteness costs").isGreaterThan(0.05);
    assertThat(previousGap).as("share 3: nothing left of it").isLessThan(1e-9);
    // The accountant's integer-order grid costs a little against RdpAccountant's finer one, no more.
    DistributedDpAccountant a = DistributedDpAccountant.of(exactSetting(1, 3, 9, 1));
    double mironov = RdpAccountant.create().epsilon(PrivacyPlan.of(1.0, 3.0, 50), 1e-5).epsilon();
    assertThat(a.epsilon(PrivacyPlan.of(1.0, 1.0, 50), 1e-5).epsilon()).isBetween(mironov, 1.05 * mironov);
  }

  /** The exact pmf of a sum of independent discrete Gaussians, and Rényi divergences of its shifts. */
  static final class ExactSum {
    /** log pmf of the sum of h N_Z(0, share), on [-M, M], index x + M. */
    static double[] of(int honest, double share) {
      int m1 = (int) Math.ceil(40 * Math.sqrt(share)) + 40;
      double[] one = new double[2 * m1 + 1];
      for (int x = -m1; x <= m1; x++) {
        one[x + m1] = -(double) x * x / (2 * share);
      }
      normalise(one);
      double[] sum = one;
      for (int i = 1; i < honest; i++) {
        sum = convolve(sum, one);
      }
      return sum;
    }

    static double[] convolve(double[] a, double[] b) {
      double[] out = new double[a.length + b.length - 1];
      java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < b.length; j++) {
          out[i + j] = logAdd(out[i + j], a[i] + b[j]);
        }
      }
      normalise(out);
      return out;
    }

    /** D_alpha(P_{S+shift} || P_S) = 1/(alpha-1) log sum_z P(z - shift)^alpha P(z)^(1-alpha). */
    static double renyi(double[] logPmf, int shift, int alpha) {
      int m = (logPmf.length - 1) / 2;
      double acc = Double.NEGATIVE_INFINITY;
      for (int z = -m + shift; z <= m; z++) {
        acc = logAdd(acc, alpha * logPmf[z - shift + m] + (1 - alpha) * logPmf[z + m]);
      }
      return acc / (alpha - 1);
    }

    static void normalise(double[] logP) {
      double total = Double.NEGATIVE_INFINITY;
      for (double l : logP) {
        total = logAdd(total, l);
      }
      for (int i = 0; i < logP.length; i++) {
        logP[i] -= total;
      }
    }

    static double logAdd(double a, double b) {
      if (a == Double.NEGATIVE_INFINITY) {
        return b;
      }
      if (b == Double.NEGATIVE_INFINITY) {
        return a;
      }
      double hi = Math.max(a, b);
      return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
    }
  }
}
