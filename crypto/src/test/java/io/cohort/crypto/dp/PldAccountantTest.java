package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.dp.ReferenceRows.Row;
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
      double sigma = r.plan().segments().get(0).noiseMultiplier();
      if (r.plan().totalSteps() > 10_000 || (sigma < 1 && r.plan().totalSteps() > 100)) {
        continue; // 3 slow rows (MNIST, sigma 0.5 and 0.8 over 1e3-1e4 steps): run by DpBenchmark, not unit tests
      }
      long t0 = System.nanoTime();
      PrivacySpend s = PLD.epsilon(r.plan(), r.delta());
      System.out.printf("PLD %s -> eps=%.6f err=%.2e (%d ms)%n", r.line(), s.epsilon(), s.epsilonError(),
          (System.nanoTime() - t0) / 1_000_000);
      assertThat(Math.abs(s.epsilon() - r.epsilon())).as(r.line() + " " + s).isLessThanOrEqualTo(
          Math.max(s.epsilonError(), 1e-6 * r.epsilon()));
    }
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
