package io.cohort.crypto.dp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The FFT against a direct DFT, and its componentwise error bound. Seeded; the seed is in every message. */
class FftTest {
  private static final long SEED = 20261128L;

  @Test
  void forward_matchesDirectDft_withinTheStatedBound_andInverseRoundTrips() {
    System.out.println("FftTest seed=" + SEED);
    SplittableRandom rnd = new SplittableRandom(SEED);
    for (int n : new int[] {2, 4, 8, 64, 1024}) {
      double[] re = new double[n];
      double[] im = new double[n];
      double l1 = 0;
      for (int j = 0; j < n; j++) {
        re[j] = rnd.nextDouble();
        im[j] = rnd.nextDouble() - 0.5;
        l1 += Math.hypot(re[j], im[j]);
      }
      double[] r = re.clone();
      double[] i = im.clone();
      Fft fft = new Fft(n);
      fft.forward(r, i);
      // The direct DFT's own rounding is at most about 4 n u l1 (n terms, exact-ish twiddles).
      double allowed = fft.errorBound(l1) + 4 * n * 0x1.0p-53 * l1;
      for (int k = 0; k < n; k++) {
        double sr = 0;
        double si = 0;
        for (int j = 0; j < n; j++) {
          double a = -2 * Math.PI * ((double) ((long) j * k % n) / n);
          sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
          si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
        }
        assertThat(Math.hypot(r[k] - sr, i[k] - si)).as("seed=" + SEED + " n=" + n + " k=" + k)
            .isLessThanOrEqualTo(allowed);
      }
      fft.inverseUnscaled(r, i);
      for (int j = 0; j < n; j++) {
        assertThat(Math.abs(r[j] / n - re[j]) + Math.abs(i[j] / n - im[j])).as("seed=" + SEED + " n=" + n)
            .isLessThan(1e-13);
      }
    }
  }

  @Test
  void directCoefficient_agreesWithTheFft_withinBothBounds_forSequencesLongerThanTheTransform() {
    SplittableRandom rnd = new SplittableRandom(SEED + 1);
    int n = 256;
    double[] x = new double[3 * n + 17];
    double l1 = 0;
    for (int j = 0; j < x.length; j++) {
      x[j] = rnd.nextDouble() * 1e-3;
      l1 += x[j];
    }
    double[] re = new double[n];
    double[] im = new double[n];
    for (int j = 0; j < x.length; j++) {
      re[j % n] += x[j];
    }
    Fft fft = new Fft(n);
    fft.forward(re, im);
    double[] out = new double[2];
    for (int k = 0; k < n; k++) {
      fft.directCoefficient(x, k, out);
      double allowed = fft.errorBound(l1) + Fft.directErrorBound(l1, x.length) + 4 * 0x1.0p-53 * l1;
      assertThat(Math.hypot(out[0] - re[k], out[1] - im[k])).as("seed=" + (SEED + 1) + " k=" + k)
          .isLessThanOrEqualTo(allowed);
    }
  }

  @Test
  void nonPowerOfTwoLength_isRefused() {
    assertThatThrownBy(() -> new Fft(12)).isInstanceOf(IllegalArgumentException.class);
  }
}
