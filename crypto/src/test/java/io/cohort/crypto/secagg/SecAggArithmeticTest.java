package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.secagg.internal.Quantizer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** docs/secagg-scenarios.md A1, A2, A3, A7, A8 (A4–A6 are in the internal package's tests). */
class SecAggArithmeticTest {

  @Test
  void a1_nMaxClientsAllSendPlusMax_thenMinusMax_noWrap_exactWithinNDelta() throws Exception {
    // b = 28: n_max = floor((2^32 - 1) / (2^28 - 1)) = 16.
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(16).threshold(9).minCohortSize(3).vectorLength(8)
        .quantizationBits(28).clipBound(2.0).rounding(SecAggParameters.Rounding.NEAREST).build();
    for (float sign : new float[] {1, -1}) {
      Harness h = new Harness(p, 16, 51);
      h.updates.replaceAll((id, u) -> {
        float[] x = new float[8];
        Arrays.fill(x, sign * 2.0f);
        return ModelUpdate.unweighted(x);
      });
      AggregateResult r = h.run();
      long expected = (long) sign * 16 * p.quantizationLevels();
      assertThat(r.quantizedSum()).containsOnly((int) expected);
      for (double s : r.sum()) {
        assertThat(Math.abs(s - sign * 32.0)).isLessThanOrEqualTo(16 * p.stepSize());
      }
    }
  }

  @Test
  void a2_configurationThatCouldWrap_rejectedAtSetup_withClearError() {
    assertThatThrownBy(() -> SecAggParameters.builder().maxCohortSize(17).threshold(9).vectorLength(8)
        .quantizationBits(28).clipBound(1).build())
        .isInstanceOf(InvalidSecAggParametersException.class)
        .hasMessageContaining("n * (2^b - 1) = 17 * 268435455").hasMessageContaining("would wrap");
    assertThatThrownBy(() -> SecAggParameters.builder().maxCohortSize(2).threshold(2).minCohortSize(2).vectorLength(8)
        .quantizationBits(16).exampleCountWeights(1L << 31).clipBound(1).build())
        .hasMessageContaining("n * maxExampleCount = 2 * 2147483648").hasMessageContaining("weight coordinate");
    assertThatThrownBy(() -> SecAggParameters.builder().maxCohortSize(10).threshold(5).vectorLength(8).clipBound(1)
        .build()).hasMessageContaining("threshold must exceed (n + n_C) / 2");
    assertThatThrownBy(() -> SecAggParameters.builder().quantizationBits(32))
        .hasMessageContaining("quantizationBits must be in [2, 31], got 32");
    assertThatThrownBy(() -> SecAggParameters.builder().clipBound(Double.NaN)).hasMessageContaining("clipBound");
  }

  @Test
  void recommendedProfile_isValidAndStable() throws Exception {
    SecAggParameters p = SecAggParameters.recommended(20, 1000, 1.0);
    assertThat(p.threshold()).isEqualTo(14);
    assertThat(p.quantizationBits()).isEqualTo(16);
    assertThat(p.fingerprint()).isEqualTo(SecAggParameters.recommended(20, 1000, 1.0).fingerprint());
    assertThat(p.fingerprint()).isNotEqualTo(SecAggParameters.recommended(20, 1001, 1.0).fingerprint());
  }

  @Test
  void a3_stochasticRounding_isUnbiased_over1MillionDraws() {
    Quantizer q = new Quantizer(8, 1.0, true, new SplittableRandom(53));
    double delta = q.stepSize();
    for (double frac : new double[] {0.1, 0.5, 0.73}) {
      double x = (10 + frac) * delta;
      int n = 1_000_000;
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += q.quantize(x, 1.0) * delta - x;
      }
      double sigma = Math.sqrt(frac * (1 - frac)) * delta / Math.sqrt(n);
      assertThat(Math.abs(sum / n)).as("frac %s (seed 53)", frac).isLessThan(3 * sigma);
    }
  }

  @Test
  void a3_nearestRounding_knownAnswers() {
    Quantizer q = new Quantizer(8, 1.0, false, null); // L = 127, Δ = 1/127
    double[] in = {0, 1, -1, 0.5, -0.5, 2, -7, 1.0 / 127, 0.3};
    int[] out = {0, 127, -127, 64, -63, 127, -127, 1, 38};
    for (int i = 0; i < in.length; i++) {
      assertThat(q.quantize(in[i], 1.0)).as("q(%s)", in[i]).isEqualTo(out[i]);
    }
  }

  @Test
  void a7_exampleCountWeights_weightedMeanWithinTolerance() throws Exception {
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(6).threshold(4).vectorLength(40).quantizationBits(20)
        .clipBound(1.0).exampleCountWeights(1000).build();
    Harness h = new Harness(p, 6, 54);
    h.drop(SecAggNodeSession.Stage.MASKED_INPUT, h.id(5));
    AggregateResult r = h.run();
    long total = 0;
    double[] num = new double[40];
    for (int id : r.survivors()) {
      ModelUpdate u = h.updates.get(id);
      total += u.exampleCount();
      for (int j = 0; j < 40; j++) {
        num[j] += u.exampleCount() * Math.max(-1, Math.min(1, u.values()[j] * u.exampleCount() / 1000.0)) * 1000.0
            / u.exampleCount();
      }
    }
    assertThat(r.totalWeight()).isEqualTo(total);
    double tol = r.survivors().size() * p.stepSize() * 1000.0 / total;
    double[] mean = r.mean();
    for (int j = 0; j < 40; j++) {
      assertThat(Math.abs(mean[j] - num[j] / total)).as("coordinate %d (seed 54)", j).isLessThanOrEqualTo(tol);
    }
  }

  @Test
  void a7_zeroTotalWeight_abortsCleanly() throws Exception {
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(4).threshold(3).vectorLength(8).clipBound(1.0)
        .exampleCountWeights(100).build();
    Harness h = new Harness(p, 4, 55);
    h.updates.replaceAll((id, u) -> new ModelUpdate(u.values(), 0));
    assertThatThrownBy(h::run).isInstanceOf(SecAggAbortException.class)
        .extracting(e -> ((SecAggAbortException) e).reason()).isEqualTo(AbortReason.ZERO_TOTAL_WEIGHT);
  }

  @Test
  void a8_nanOrInfinity_rejectedBeforeQuantising_nodeCanRetryWithAGoodUpdate() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 8), 4, 56);
    var relays = h.openAtMaskedInput();
    SecAggNodeSession n = h.nodes.get(h.id(0));
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      float[] x = new float[8];
      x[3] = bad;
      assertThatThrownBy(() -> n.maskedInput(relays.get(h.id(0)), ModelUpdate.unweighted(x)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("update value 3 is " + bad);
      assertThat(n.stage()).isEqualTo(SecAggNodeSession.Stage.MASKED_INPUT);
    }
    assertThat(n.maskedInput(relays.get(h.id(0)), h.updates.get(h.id(0))).lengthWords()).isEqualTo(9);
  }
}
