package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.dp.ReferenceRows.Row;
import io.cohort.crypto.dp.internal.SpecialFunctions;
import org.junit.jupiter.api.Test;

class PldAccountantTest {
  private static final PldAccountant PLD = PldAccountant.create();

  @Test
  void fullBatchGaussian_matchesTheExactGaussianEpsilonTo1e4() throws Exception {
    for (Row r : ReferenceRows.sample("gaussian_exact")) {
      PrivacySpend s = PLD.epsilon(r.plan(), r.delta());
      System.out.println("PLD vs exact Gaussian " + r.line() + " -> " + s);
      assertThat(s.epsilon()).as(r.line()).isGreaterThanOrEqualTo(r.epsilon() - 1e-9)
          .isLessThanOrEqualTo(r.epsilon() + 1e-4);
      assertThat(s.epsilon() - s.epsilonError()).as(r.line()).isLessThanOrEqualTo(r.epsilon());
    }
  }

  @Test
  void dpAccountingPessimisticPldRows_areMatchedWithinTheStatedError() throws Exception {
    for (Row r : ReferenceRows.sample("dpacc_pld")) {
      // All rows, MNIST (14,063 steps) and the epsilon = 65 row included: FFT-power composition made them fast.
      long t0 = System.nanoTime();
      PrivacySpend s = PLD.epsilon(r.plan(), r.delta());
      System.out.printf("PLD %s -> eps=%.6f err=%.2e (%d ms)%n", r.line(), s.epsilon(), s.epsilonError(),
          (System.nanoTime() - t0) / 1_000_000);
      assertThat(Math.abs(s.epsilon() - r.epsilon())).as(r.line() + " " + s).isLessThanOrEqualTo(
          Math.max(s.epsilonError(), 1e-6 * r.epsilon()));
    }
  }

  /**
   * With q = 1, n steps of sigma are one Gaussian mechanism of sensitivity mu = sqrt(n) / sigma,
   * whose exact delta(eps) = Phi(mu/2 - eps/mu) - e^eps Phi(-mu/2 - eps/mu) (Balle and Wang, ICML
   * 2018, Thm 8). Hundreds to thousands of composed steps check the FFT power, its window and its
   * rounding allowance against the truth: never below it, and within the stated error.
   */
  @Test
  void manyStepFullBatchGaussian_isNeverBelowTheExactEpsilon_andWithinTheStatedError() throws Exception {
    double[][] cells = {{10.0, 900, 1e-5}, {100.0 / 3, 10_000, 1e-6}, {2.0, 25, 1e-5}};
    for (double[] c : cells) {
      PrivacyPlan plan = PrivacyPlan.of(1.0, c[0], (long) c[1]);
      long t0 = System.nanoTime();
      PrivacySpend s = PLD.epsilon(plan, c[2]);
      double exact = exactGaussianEpsilon(Math.sqrt(c[1]) / c[0], c[2]);
      System.out.printf("PLD %s delta=%s -> %s; exact %.9f (%d ms)%n", plan, c[2], s, exact,
          (System.nanoTime() - t0) / 1_000_000);
      assertThat(s.epsilon()).as(plan.toString()).isGreaterThanOrEqualTo(exact);
      assertThat(s.epsilon() - s.epsilonError()).as(plan.toString()).isLessThanOrEqualTo(exact);
      assertThat(s.epsilon() - exact).as(plan.toString()).isLessThan(1e-3);
    }
  }

  @Test
  void windowCap_coarsensTheGrid_andStaysPessimisticWithinItsError() throws Exception {
    // 25 full-batch steps of sigma = 2: one Gaussian with mu = 2.5, exact epsilon known. A 4096-point
    // window cannot hold it on the 1e-4 grid, so the grid doubles until it fits.
    PrivacyPlan plan = PrivacyPlan.of(1.0, 2.0, 25);
    PrivacySpend s = PldAccountant.withMaxWindowForTest(1e-4, 1 << 12).epsilon(plan, 1e-5);
    double exact = exactGaussianEpsilon(2.5, 1e-5);
    System.out.println("PLD window cap 4096: " + s + "; exact " + exact);
    assertThat(s.detail()).doesNotContain("grid 1.0e-04");
    assertThat(s.epsilon()).isGreaterThanOrEqualTo(exact);
    assertThat(s.epsilon() - s.epsilonError()).isLessThanOrEqualTo(exact);
    assertThat(s.epsilonError()).isLessThan(0.5);
  }

  @Test
  void errorBound_isTighterThanTheOldHoeffdingConstant_atTenThousandSteps() throws Exception {
    // The pre-FFT version reported h sqrt(2 n ln 1e10) = 0.068 here; the range-h Hoeffding bound is half.
    PrivacySpend s = PLD.epsilon(PrivacyPlan.of(0.001, 1.0, 10_000), 1e-6);
    assertThat(s.epsilonError()).isGreaterThan(0).isLessThan(0.035);
    assertThat(s.accountant()).isEqualTo("pld-ctd-h1.0E-4/2");
  }

  /** The exact epsilon of the Gaussian mechanism with sensitivity / stddev = mu, by bisection on delta(eps). */
  private static double exactGaussianEpsilon(double mu, double delta) {
    double lo = 0;
    double hi = 1;
    while (gaussianDelta(mu, hi) > delta) {
      hi *= 2;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (gaussianDelta(mu, mid) > delta) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  private static double gaussianDelta(double mu, double eps) {
    double a = SpecialFunctions.normalCdf(mu / 2 - eps / mu);
    double logB = eps + SpecialFunctions.logNormalTail(mu / 2 + eps / mu);
    return a - Math.exp(logB);
  }

  @Test
  void pldEpsilon_isAtMostRdp_andRdpIsNeverBelowPldMinusItsError() throws Exception {
    RdpAccountant rdp = RdpAccountant.create();
    double[][] cells = {{0.01, 1.0, 100}, {0.05, 2.0, 100}, {0.001, 1.1, 1000}, {0.1, 5.0, 100}, {0.5, 1.0, 1}};
    for (double[] c : cells) {
      PrivacyPlan p = PrivacyPlan.of(c[0], c[1], (long) c[2]);
      for (double delta : new double[] {1e-5, 1e-6}) {
        PrivacySpend pld = PLD.epsilon(p, delta);
        double r = rdp.epsilon(p, delta).epsilon();
        assertThat(pld.epsilon()).as(p + " delta=" + delta).isLessThanOrEqualTo(r);
        assertThat(r).as(p + " delta=" + delta).isGreaterThanOrEqualTo(pld.epsilon() - pld.epsilonError());
      }
    }
  }
}
