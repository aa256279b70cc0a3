package io.cohort.crypto.dp.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.DpParameterException;
import org.junit.jupiter.api.Test;

class DistributedDpParametersTest {
  /** The report's example: d = 10^5, 3 nodes, sigma 1, C 1, q = 0.01 of 25,600 pooled units (batch 256). */
  static DistributedDpParameters.Job example() {
    return DistributedDpParameters.Job.of(1.0, 1.0, 100_000, 3, 2, 256);
  }

  @Test
  void example_32bitRing_isNearlyContinuous() throws Exception {
    DistributedDpParameters p = DistributedDpParameters.choose(example());
    System.out.println(p.describe());
    assertThat(p.paddedDimension()).isEqualTo(131_072);
    assertThat(p.bits()).isEqualTo(32);
    assertThat(p.wrapProbability()).isLessThanOrEqualTo(1e-9);
    // Rounding inflation is negligible at this scale.
    assertThat(p.roundedNormBound() / (p.clipNorm() * p.scale())).isBetween(1.0, 1.001);
    assertThat((double) p.totalVariance()).isGreaterThanOrEqualTo(Math.pow(p.noiseMultiplier() * p.scale(), 2));
    assertThat(p.describe()).contains("32 bits").contains("wrap-around");
  }

  @Test
  void example_16bitRing_stillFits_withVisibleInflation() throws Exception {
    DistributedDpParameters p = DistributedDpParameters.choose(example().withBits(16));
    System.out.println(p.describe());
    assertThat(p.wrapProbability()).isLessThanOrEqualTo(1e-9);
    assertThat(p.roundedNormBound() / (p.clipNorm() * p.scale())).isGreaterThan(1.001);
    assertThat(p.effectiveNoiseMultiplier()).isLessThan(p.noiseMultiplier()).isGreaterThan(0.99);
  }

  @Test
  void fewBits_fitTheRing_butTheRoundingInflationShowsInTheEffectiveSigma() throws Exception {
    DistributedDpParameters p = DistributedDpParameters.choose(example().withBits(10));
    System.out.println(p.describe());
    assertThat(p.effectiveNoiseMultiplier()).isLessThan(0.5);
  }

  @Test
  void tooFewBits_isRefusedNamingBits() {
    // 8 bits hold 256 values: the rounding errors of ~10^4 units alone overflow them.
    assertThatThrownBy(() -> DistributedDpParameters.choose(DistributedDpParameters.Job.of(1.0, 1.0, 100_000, 3, 2,
        10_000).withBits(8)))
        .isInstanceOf(DpParameterException.class).hasMessageContaining("more bits")
        .extracting(e -> ((DpParameterException) e).parameter()).isEqualTo("bits");
  }

  @Test
  void contributorFloor_topUpAndRefusal() throws Exception {
    DistributedDpParameters p = DistributedDpParameters.choose(example());
    assertThat(p.shareVariance(3)[1].intValue()).isEqualTo(3);
    assertThat(p.shareVariance(2)[1].intValue()).isEqualTo(2); // the top-up: bigger share
    assertThatThrownBy(() -> p.shareVariance(1)).isInstanceOf(DpParameterException.class)
        .hasMessageContaining("min_honest floor of 2");
    assertThatThrownBy(() -> p.shareVariance(4)).isInstanceOf(DpParameterException.class)
        .hasMessageContaining("maxNodes");
    DistributedDpParameters t1 = DistributedDpParameters.choose(
        DistributedDpParameters.Job.of(1.0, 1.0, 1000, 4, 2, 256).withColludersTolerated(1));
    assertThat(t1.shareVariance(4)[1].intValue()).isEqualTo(3); // shares of the 3 honest ones sum to the target
    assertThatThrownBy(() -> t1.shareVariance(2)).isInstanceOf(DpParameterException.class);
  }
}
