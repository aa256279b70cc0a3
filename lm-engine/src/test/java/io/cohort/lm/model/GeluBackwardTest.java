package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * gelu's backward pass runs block-wise over copies so that C2 vectorises it; it must still give
 * exactly what the plain fused loop gives, at every length (partial blocks, partial chunks, one
 * value) and on the parallel path.
 */
class GeluBackwardTest {
  private static final float SQRT_2_OVER_PI = 0.7978845608028654f;
  private static final float GELU_C = 0.044715f;
  private static final long SEED = 20261129L;

  @Test
  void blockwiseBackwardIsBitIdenticalToTheFusedLoop() {
    for (int n : new int[] {1, 7, 1023, 1024, 1025, 16385, 40_000}) {
      SplittableRandom rnd = new SplittableRandom(SEED + n);
      float[] x = new float[n];
      float[] dy = new float[n];
      float[] expected = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) (rnd.nextGaussian() * 3);
        dy[i] = (float) rnd.nextGaussian();
        float v = x[i];
        float t = Ops.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
        float vd = Math.max(-Ops.GELU_DERIVATIVE_CLAMP, Math.min(Ops.GELU_DERIVATIVE_CLAMP, v));
        float d = 0.5f * (1f + t) + 0.5f * vd * (1f - t * t) * SQRT_2_OVER_PI * (1f + 3f * GELU_C * vd * vd);
        expected[i] = dy[i] * d;
      }
      Ops.geluBackwardInPlace(x, dy, n);
      for (int i = 0; i < n; i++) {
        assertThat(Float.floatToRawIntBits(dy[i]))
            .as("n=%d i=%d x=%s (seed %d)", n, i, x[i], SEED + n)
            .isEqualTo(Float.floatToRawIntBits(expected[i]));
      }
    }
  }

  /**
   * Training's forward pass writes gelu into out and gelu' over its input (what the backward pass
   * then multiplies by): bit for bit what {@link Ops#gelu} and the backward pass give, at every
   * length, so the gradient does not move.
   */
  @Test
  void forwardWithDerivativeIsBitIdenticalToGeluAndItsBackwardPass() {
    for (int n : new int[] {1, 7, 1023, 1024, 1025, 16385, 40_000}) {
      SplittableRandom rnd = new SplittableRandom(SEED + 7 * n);
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) (rnd.nextGaussian() * 3);
      }
      x[0] = n > 1 ? 1e20f : x[0]; // a saturated value too
      float[] expectedOut = new float[n];
      Ops.gelu(x, expectedOut, n);
      float[] expectedD = new float[n];
      java.util.Arrays.fill(expectedD, 1f);
      Ops.geluBackwardInPlace(x, expectedD, n);
      float[] out = new float[n];
      float[] d = x.clone();
      Ops.geluWithDerivative(d, out, n);
      float[] dy = new float[n];
      java.util.Arrays.fill(dy, 1f);
      Ops.mulInPlace(dy, d, n);
      for (int i = 0; i < n; i++) {
        assertThat(Float.floatToRawIntBits(out[i])).as("gelu n=%d i=%d x=%s (seed %d)", n, i, x[i], SEED + 7 * n)
            .isEqualTo(Float.floatToRawIntBits(expectedOut[i]));
        assertThat(Float.floatToRawIntBits(dy[i])).as("gelu' n=%d i=%d x=%s (seed %d)", n, i, x[i], SEED + 7 * n)
            .isEqualTo(Float.floatToRawIntBits(expectedD[i]));
      }
    }
  }

  /**
   * Far out the derivative is 1 (x > 0) or 0 (x < 0); with the saturated tanh's 1 - t^2 of ~1e-7
   * multiplying x^3 it was 0.013 off at x = 100 and NaN past 1e12. Checked against the exact
   * derivative in double precision from |x| = 0.01 to 1e30.
   */
  @Test
  void derivativeStaysWithin2e6OfExact_forLargeInputs() {
    double[] magnitudes = {0.01, 0.5, 1, 3, 4.3, 4.5, 5, 6, 10, 30, 100, 1e4, 1e6, 1e12, 1e20, 1e30};
    int n = 2 * magnitudes.length;
    float[] x = new float[n];
    for (int i = 0; i < magnitudes.length; i++) {
      x[2 * i] = (float) magnitudes[i];
      x[2 * i + 1] = (float) -magnitudes[i];
    }
    float[] dy = new float[n];
    java.util.Arrays.fill(dy, 1f);
    Ops.geluBackwardInPlace(x, dy, n);
    for (int i = 0; i < n; i++) {
      double v = x[i];
      double u = Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v);
      double t = Math.tanh(u);
      double sech2 = Double.isInfinite(u) || Math.abs(u) > 350 ? 0 : 1 / (Math.cosh(u) * Math.cosh(u));
      double exact = 0.5 * (1 + t) + 0.5 * v * sech2 * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * v * v);
      assertThat((double) dy[i]).as("gelu'(%s)", x[i]).isCloseTo(exact, org.assertj.core.data.Offset.offset(2e-6));
    }
  }
}
