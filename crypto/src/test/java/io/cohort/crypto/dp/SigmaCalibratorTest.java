package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SigmaCalibratorTest {
  private final RdpAccountant opacus = RdpAccountant.opacusCompatible();

  @Test
  void mnistTutorialEpsilon_calibratesBackToSigma1_1() throws Exception {
    double sigma = new SigmaCalibrator(opacus).calibrate(256.0 / 60000, 14063, 2.5966555286883684, 1e-5);
    // The epsilon target is Opacus's value at sigma = 1.1, so the smallest sigma is 1.1 (to rounding).
    assertThat(sigma).isCloseTo(1.1, within(1.1e-6));
  }

  @Test
  void calibratedSigma_isFeasibleAndMinimalTo1e4Relative() throws Exception {
    double[][] cells = {{0.01, 1000, 1.0, 1e-5}, {0.001, 10000, 0.5, 1e-6}, {1.0, 1, 1.0, 1e-5}, {0.2, 50, 8, 1e-5}};
    for (double[] c : cells) {
      double q = c[0];
      long steps = (long) c[1];
      double sigma = new SigmaCalibrator(opacus).calibrate(q, steps, c[2], c[3]);
      String cell = "q=" + q + " steps=" + steps + " eps=" + c[2] + " delta=" + c[3] + " sigma=" + sigma;
      assertThat(opacus.epsilon(PrivacyPlan.of(q, sigma, steps), c[3]).epsilon()).as(cell).isLessThanOrEqualTo(c[2]);
      assertThat(opacus.epsilon(PrivacyPlan.of(q, sigma * (1 - 1e-4), steps), c[3]).epsilon()).as(cell)
          .isGreaterThan(c[2]);
    }
  }

  @Test
  void pldCalibration_isFeasibleAndMinimalTo1e4Relative() throws Exception {
    PldAccountant pld = PldAccountant.create();
    double q = 0.01;
    long steps = 100;
    double sigma = new SigmaCalibrator(pld).calibrate(q, steps, 1.0, 1e-5);
    String cell = "pld q=" + q + " steps=" + steps + " eps=1.0 delta=1e-5 sigma=" + sigma;
    assertThat(pld.epsilon(PrivacyPlan.of(q, sigma, steps), 1e-5).epsilon()).as(cell).isLessThanOrEqualTo(1.0);
    assertThat(pld.epsilon(PrivacyPlan.of(q, sigma * (1 - 1e-4), steps), 1e-5).epsilon()).as(cell).isGreaterThan(1.0);
    // The tighter accountant needs less noise than RDP for the same target.
    assertThat(sigma).as(cell).isLessThan(new SigmaCalibrator(opacus).calibrate(q, steps, 1.0, 1e-5));
  }

  @Test
  void priorSpend_requiresMoreNoise() throws Exception {
    SigmaCalibrator cal = new SigmaCalibrator(opacus);
    double fresh = cal.calibrate(0.01, 500, 2.0, 1e-5);
    double after = cal.calibrate(PrivacyPlan.of(0.01, 1.0, 300), 0.01, 500, 2.0, 1e-5);
    assertThat(after).isGreaterThan(fresh);
    assertThat(opacus.epsilon(PrivacyPlan.of(0.01, 1.0, 300).then(PrivacyPlan.of(0.01, after, 500)), 1e-5).epsilon())
        .isLessThanOrEqualTo(2.0);
  }

  @Test
  void exhaustedBudget_isRefusedNamingEpsilon() {
    SigmaCalibrator cal = new SigmaCalibrator(opacus);
    assertThatThrownBy(() -> cal.calibrate(PrivacyPlan.of(1.0, 0.5, 10), 0.01, 10, 1.0, 1e-5))
        .isInstanceOf(DpParameterException.class).hasMessageContaining("epsilon 1.0");
  }
}
