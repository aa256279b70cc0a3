package io.cohort.crypto.dp.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.RdpConversion;
import org.junit.jupiter.api.Test;

/**
 * The distributed discrete Gaussian accountant. None of these checks is against a number printed
 * in a paper: they are hand-computed values of the stated formulas, limits (the continuous
 * Gaussian when tau -> 0 and the rounding vanishes), an independent re-implementation of Zhu and
 * Wang's Theorem 5, values from a Python transcription of the authors' reference accounting code,
 * and the published zCDP -> (eps, delta) closed form as an upper bound. The papers' own theorems are
 * checked on exact distributions in {@link DistributedDpAccountantPublishedBoundsTest}.
 */
class DistributedDpAccountantTest {
  static DistributedDpParameters example(int bits) throws Exception {
    return DistributedDpParameters.choose(DistributedDpParameters.Job.of(1.0, 1.0, 100_000, 3, 2, 256).withBits(bits));
  }

  @Test
  void tau_isKlsTheorem1_handComputed() {
    // 10 (e^{-2 pi^2 * 1 * 1/2} + e^{-2 pi^2 * 1 * 2/3}) = 10 (e^{-pi^2} + e^{-4 pi^2 / 3})
    double expected = 10 * (Math.exp(-Math.PI * Math.PI) + Math.exp(-4 * Math.PI * Math.PI / 3));
    assertThat(DistributedDpAccountant.tau(3, 1.0)).isCloseTo(expected, within(1e-18));
    assertThat(DistributedDpAccountant.tau(3, 1.0)).isCloseTo(5.365e-4, within(1e-7));
    assertThat(DistributedDpAccountant.tau(1, 0.25)).isZero(); // one node: a single discrete Gaussian
    // tiny for sigma_s >= 1 and falling fast with it; large at the sigma_s = 1/2 edge
    assertThat(DistributedDpAccountant.tau(10, 4.0)).isLessThan(1e-15);
    assertThat(DistributedDpAccountant.tau(3, 0.25)).isGreaterThan(1);
  }

  @Test
  void noSampling_tauZero_isTheGaussianZcdpCurve_andBelowBunSteinkeClosedForm() throws Exception {
    DistributedDpParameters p = example(32);
    DistributedDpAccountant a = DistributedDpAccountant.of(p);
    double l2 = a.l2Scale();
    for (int alpha : new int[] {2, 5, 40}) {
      assertThat(a.rdpNoSampling(alpha)).isCloseTo(alpha * l2 * l2 / 2, within(1e-12));
    }
    // rho-zCDP implies (rho + 2 sqrt(rho ln(1/delta)), delta)-DP (Bun and Steinke 2016, Prop. 1.3).
    long steps = 20;
    double rho = steps * l2 * l2 / 2;
    double eps = a.epsilon(1.0, steps, 1e-5).epsilon();
    assertThat(eps).isLessThanOrEqualTo(rho + 2 * Math.sqrt(rho * Math.log(1e5)));
    assertThat(eps).isGreaterThan(0.8 * (rho + 2 * Math.sqrt(rho * Math.log(1e5))));
  }

  @Test
  void gaussianLimit_liesAboveMironovsSampledGaussian_andWithin20Percent() throws Exception {
    DistributedDpAccountant a = DistributedDpAccountant.of(example(32));
    assertThat(a.tau()).isZero();
    assertThat(a.l2Scale()).isCloseTo(1.0, within(1e-6));
    for (long steps : new long[] {100, 1000, 10_000}) {
      double ddg = a.epsilon(0.01, steps, 1e-5).epsilon();
      double gauss = RdpAccountant.create().epsilon(PrivacyPlan.of(0.01, 1.0, steps), 1e-5).epsilon();
      assertThat(ddg).as("steps=" + steps).isGreaterThanOrEqualTo(gauss).isLessThan(1.2 * gauss);
    }
    // The report's example: 1000 rounds at q = 0.01, sigma = 1: 2.45 vs 2.10 for the continuous Gaussian.
    assertThat(a.epsilon(0.01, 1000, 1e-5).epsilon()).isCloseTo(2.4503, within(1e-3));
  }

  @Test
  void zhuWangTheorem5_matchesAnIndependentDirectSum() throws Exception {
    DistributedDpAccountant a = DistributedDpAccountant.of(example(32));
    double l2 = a.l2Scale();
    double q = 0.01;
    for (int alpha = 2; alpha <= 30; alpha++) { // e^((l-1) l / 2) overflows a double past l = 37
      // Direct summation in doubles (no logs): fine for these small orders.
      double s = Math.pow(1 - q, alpha - 1) * (alpha * q - q + 1)
          + binom(alpha, 2) * q * q * Math.pow(1 - q, alpha - 2) * Math.exp(l2 * l2);
      for (int l = 3; l <= alpha; l++) {
        s += 3 * binom(alpha, l) * Math.pow(q, l) * Math.pow(1 - q, alpha - l) * Math.exp((l - 1) * l * l2 * l2 / 2);
      }
      double expected = Math.min(Math.log(s) / (alpha - 1), alpha * l2 * l2 / 2);
      assertThat(a.rdpOneRound(q, alpha)).as("alpha=" + alpha).isCloseTo(expected, within(1e-9 * expected));
    }
  }

  @Test
  void roundingInflation_andTau_onlyRaiseEpsilon() throws Exception {
    double e32 = DistributedDpAccountant.of(example(32)).epsilon(0.01, 1000, 1e-5).epsilon();
    double e16 = DistributedDpAccountant.of(example(16)).epsilon(0.01, 1000, 1e-5).epsilon();
    double e12 = DistributedDpAccountant.of(example(12)).epsilon(0.01, 1000, 1e-5).epsilon();
    assertThat(e16).isGreaterThan(e32);
    assertThat(e12).isGreaterThan(e16);
    // Many nodes, a small ring: shares near sigma_s = 1/2 make tau visible, and it costs.
    DistributedDpParameters many = DistributedDpParameters.choose(
        DistributedDpParameters.Job.of(1.0, 0.3, 100, 200, 100, 50).withBits(12));
    DistributedDpAccountant a = DistributedDpAccountant.of(many);
    System.out.println(many.describe() + "tau=" + a.tau());
    assertThat(a.tau()).isGreaterThan(0);
    double l2 = a.l2Scale();
    assertThat(a.rdpNoSampling(8)).isGreaterThan(4 * l2 * l2);
  }

  /**
   * Against KLS's reference accounting (google-research/federated, distributed_dp/accounting_utils.py:
   * ddgauss_epsilon with Zhu-Wang Theorem 5), re-typed in Python/SciPy with the improved conversion
   * and this class's order grid, fed the same scale and variance. The reference uses the unfloored
   * rounding bound; this class the integer bound the encoder enforces, hence agreement to 1e-5, not 1e-12.
   */
  @Test
  void matchesAPythonTranscriptionOfTheAuthorsReferenceAccounting() throws Exception {
    double[][] rows = { // bits, reference epsilon (q = 0.01, 1000 rounds, delta = 1e-5)
        {32, 2.4502879200067347}, {16, 2.4635321531797945}, {12, 6.657251272834512}};
    for (double[] row : rows) {
      double eps = DistributedDpAccountant.of(example((int) row[0])).epsilon(0.01, 1000, 1e-5).epsilon();
      assertThat(eps).as("bits=" + (int) row[0]).isCloseTo(row[1], within(1e-5 * row[1]));
    }
    // Tau-dominated (200 nodes, shares of variance 83/200 < 1): tau = 0.888, one round, no sampling.
    DistributedDpParameters many = DistributedDpParameters.choose(
        DistributedDpParameters.Job.of(1.0, 0.3, 100, 200, 100, 50).withBits(12));
    DistributedDpAccountant a = DistributedDpAccountant.of(many);
    assertThat(a.tau()).isCloseTo(0.888004189926989, within(1e-12));
    assertThat(a.epsilon(1.0, 1, 1e-5).epsilon()).isCloseTo(135.6739681000653, within(1e-4 * 135.67));
  }

  @Test
  void asAPrivacyAccountant_plansCompose_andAForeignSigmaIsRefused() throws Exception {
    DistributedDpAccountant a = DistributedDpAccountant.of(example(32));
    PrivacyPlan two = PrivacyPlan.of(0.01, 1.0, 400).then(PrivacyPlan.of(0.01, 1.0, 600));
    assertThat(a.epsilon(two, 1e-5).epsilon()).isCloseTo(a.epsilon(0.01, 1000, 1e-5).epsilon(), within(1e-9));
    assertThat(a.id()).isEqualTo("ddg-rdp-kls14-zw5/1");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.epsilon(PrivacyPlan.of(0.01, 1.1, 10), 1e-5))
        .hasMessageContaining("sigma = 1.1");
  }

  @Test
  void conversionIsTheImprovedOne() {
    assertThat(RdpConversion.IMPROVED.epsilonAt(8, 1.0, 1e-5)).isLessThan(RdpConversion.CLASSIC.epsilonAt(8, 1.0, 1e-5));
  }

  static double binom(int n, int k) {
    double b = 1;
    for (int i = 1; i <= k; i++) {
      b = b * (n - k + i) / i;
    }
    return b;
  }
}
