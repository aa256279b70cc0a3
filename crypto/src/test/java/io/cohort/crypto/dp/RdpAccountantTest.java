package io.cohort.crypto.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.ReferenceRows.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class RdpAccountantTest {
  private static final RdpAccountant OPACUS = RdpAccountant.opacusCompatible();

  @Test
  void everyOpacusRowOfTheSharedFixture_isReproducedTo1e9() throws Exception {
    List<Row> rows = ReferenceRows.sample("opacus_rdp");
    assertThat(rows).hasSize(10);
    for (Row r : rows) {
      double eps = OPACUS.epsilon(r.plan(), r.delta()).epsilon();
      assertThat(eps).as(r.line()).isCloseTo(r.epsilon(), within(r.epsilon() * 1e-9));
    }
  }

  /**
   * TensorFlow Privacy's MNIST DP-SGD tutorial: N = 60000, batch 256 (q = 256/60000), sigma =
   * 1.1, 60 epochs = ceil(60 * 60000 / 256) = 14063 steps, delta = 1e-5. TF Privacy reports
   * epsilon = 3.01 (classic conversion); the improved conversion gives 2.60 (fixture rows
   * rdp_classic and opacus_rdp, computed by Opacus 1.5.4).
   */
  @Test
  void tfPrivacyMnistTutorial_classicIs3_01_improvedIs2_60() throws Exception {
    PrivacyPlan mnist = PrivacyPlan.of(256.0 / 60000, 1.1, 14063);
    double classic = RdpAccountant.of(RdpOrders.OPACUS_DEFAULT, RdpConversion.CLASSIC).epsilon(mnist, 1e-5).epsilon();
    double improved = OPACUS.epsilon(mnist, 1e-5).epsilon();
    assertThat(classic).isCloseTo(3.0083810468253627, within(1e-9));
    assertThat(improved).isCloseTo(2.5966555286883684, within(1e-9));
    assertThat(String.format("%.2f %.2f", classic, improved)).isEqualTo("3.01 2.60");
  }

  @Test
  void classicRowOfTheSharedFixture_isReproduced() throws Exception {
    RdpAccountant classic = RdpAccountant.of(RdpOrders.OPACUS_DEFAULT, RdpConversion.CLASSIC);
    for (Row r : ReferenceRows.sample("rdp_classic")) {
      assertThat(classic.epsilon(r.plan(), r.delta()).epsilon()).as(r.line()).isCloseTo(r.epsilon(),
          within(r.epsilon() * 1e-9));
    }
  }

  /** The acceptance grid: q in [1e-3, 1], sigma in [0.5, 5], steps in [1, 1e4], two deltas, plus heterogeneous plans. */
  @Test
  void opacusGridAndHeterogeneousPlans_agreeTo1e6Relative() throws Exception {
    List<Row> rows = ReferenceRows.opacusGrid();
    assertThat(rows).hasSize(636);
    double worst = 0;
    for (Row r : rows) {
      double eps = OPACUS.epsilon(r.plan(), r.delta()).epsilon();
      double rel = Math.abs(eps / r.epsilon() - 1);
      worst = Math.max(worst, rel);
      assertThat(rel).as(r.line() + " got " + eps).isLessThan(1e-6);
    }
    System.out.println("RDP vs Opacus grid: worst relative difference " + worst + " over " + rows.size() + " rows");
  }

  @Test
  void fullBatch_isTheGaussianMechanismRdp() throws Exception {
    // q = 1: RDP(alpha) = steps * alpha / (2 sigma^2) exactly (Mironov 2017, Prop. 7).
    RdpAccountant acc = RdpAccountant.of(RdpOrders.of(2, 3.5, 10), RdpConversion.CLASSIC);
    double[] rdp = acc.rdp(PrivacyPlan.of(1.0, 2.0, 7));
    assertThat(rdp).containsExactly(7 * 2 / 8.0, 7 * 3.5 / 8.0, 7 * 10 / 8.0);
  }

  @Test
  void tinySigma_givesHugeButFiniteOrInfiniteEpsilon_neverSmall() throws Exception {
    for (double sigma : new double[] {1e-3, 0.05, 0.1}) {
      double eps = RdpAccountant.create().epsilon(PrivacyPlan.of(0.01, sigma, 100), 1e-5).epsilon();
      assertThat(eps).as("sigma=" + sigma).isGreaterThan(10);
    }
  }

  @Test
  void heterogeneousPlan_equalsSumOfSegmentRdp() throws Exception {
    PrivacyPlan a = PrivacyPlan.of(0.01, 1.0, 100);
    PrivacyPlan b = PrivacyPlan.of(0.02, 1.5, 50);
    double[] ra = OPACUS.rdp(a);
    double[] rb = OPACUS.rdp(b);
    double[] rab = OPACUS.rdp(a.then(b));
    for (int i = 0; i < ra.length; i++) {
      assertThat(rab[i]).isCloseTo(ra[i] + rb[i], within(1e-12 * rab[i]));
    }
    // Splitting a segment into two identical halves changes nothing.
    assertThat(OPACUS.epsilon(PrivacyPlan.of(0.01, 1, 50).then(PrivacyPlan.of(0.01, 1, 50)), 1e-5).epsilon())
        .isCloseTo(OPACUS.epsilon(a, 1e-5).epsilon(), within(1e-12));
  }

  @Test
  void extendedGridAndImprovedConversion_neverWorseThanOpacusAndClassic() throws Exception {
    RdpAccountant classic = RdpAccountant.of(RdpOrders.OPACUS_DEFAULT, RdpConversion.CLASSIC);
    RdpAccountant extended = RdpAccountant.create();
    for (Row r : ReferenceRows.opacusGrid()) {
      double o = OPACUS.epsilon(r.plan(), r.delta()).epsilon();
      assertThat(extended.epsilon(r.plan(), r.delta()).epsilon()).as(r.line()).isLessThanOrEqualTo(o);
      assertThat(classic.epsilon(r.plan(), r.delta()).epsilon()).as(r.line()).isGreaterThanOrEqualTo(o);
    }
    // In the small-epsilon corner the high orders matter: q=1e-3, sigma=5, 100 steps.
    PrivacyPlan corner = PrivacyPlan.of(1e-3, 5, 100);
    assertThat(extended.epsilon(corner, 1e-6).epsilon()).isLessThan(0.8 * OPACUS.epsilon(corner, 1e-6).epsilon());
  }

  @Test
  void badDelta_isRefusedWithItsRange() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> OPACUS.epsilon(PrivacyPlan.of(0.1, 1, 1), 1.0))
        .isInstanceOf(DpParameterException.class).hasMessage("delta must be in (0, 1), got 1.0");
  }
}
