package io.cohort.crypto.dp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * FFT-power composition against direct convolution on a coarse grid (small enough to convolve
 * term by term): the FFT result must dominate (delta never lower) and be close; the Chernoff
 * tail bounds must bound the exact tails.
 */
class FourierCompositionTest {
  private static final double H = 1e-2;

  @Test
  void heterogeneousComposition_dominatesDirectConvolution_andIsClose() {
    for (boolean remove : new boolean[] {true, false}) {
      DiscretePld a = ConnectTheDots.oneStep(0.2, 1.0, H, remove);
      DiscretePld b = ConnectTheDots.oneStep(0.05, 0.7, H, remove);
      long[] counts = {3, 2};
      DiscretePld fft = FourierComposition.compose(List.of(a, b), counts, 1e-12, 1 << 20);
      DiscretePld direct = direct(List.of(a, b), counts);
      for (double eps = 0; eps < 12; eps += 0.25) {
        double df = fft.delta(eps);
        double dd = direct.delta(eps);
        assertThat(df).as("remove=%s eps=%s", remove, eps).isGreaterThanOrEqualTo(dd * (1 - 1e-12))
            .isLessThanOrEqualTo(dd + 1e-9);
      }
      assertThat(fft.movedMass()).isLessThan(1e-9);
    }
  }

  @Test
  void chernoffTailBounds_boundTheExactTails() {
    DiscretePld a = ConnectTheDots.oneStep(0.2, 1.0, H, true);
    long[] counts = {4};
    DiscretePld exact = direct(List.of(a), counts);
    ChernoffTails tails = new ChernoffTails(List.of(a), counts);
    for (int i = 0; i < exact.mass.length; i += 37) {
      long index = exact.offset + i;
      double above = 0;
      double below = 0;
      for (int j = 0; j < exact.mass.length; j++) {
        if (j > i) {
          above += exact.mass[j];
        } else if (j < i) {
          below += exact.mass[j];
        }
      }
      assertThat(tails.massAbove(index)).as("index " + index).isGreaterThanOrEqualTo(above * (1 - 1e-12));
      assertThat(tails.massBelow(index)).as("index " + index).isGreaterThanOrEqualTo(below * (1 - 1e-12));
    }
    long hi = tails.upperIndex(1e-9);
    long lo = tails.lowerIndex(1e-9);
    assertThat(tails.massAbove(hi)).isLessThanOrEqualTo(1e-9 * 1.0001);
    assertThat(tails.massBelow(lo)).isLessThanOrEqualTo(1e-9 * 1.0001);
  }

  /** counts[s] copies of each PLD convolved term by term (the reference). */
  private static DiscretePld direct(List<DiscretePld> steps, long[] counts) {
    double[] m = {1.0};
    long offset = 0;
    double logFinite = 0;
    for (int s = 0; s < steps.size(); s++) {
      DiscretePld x = steps.get(s);
      for (long c = 0; c < counts[s]; c++) {
        double[] out = new double[m.length + x.mass.length - 1];
        for (int i = 0; i < m.length; i++) {
          for (int j = 0; j < x.mass.length; j++) {
            out[i + j] += m[i] * x.mass[j];
          }
        }
        m = out;
        offset += x.offset;
        logFinite += Math.log1p(-x.infinityMass);
      }
    }
    return new DiscretePld(H, offset, m, -Math.expm1(logFinite), 0);
  }
}
