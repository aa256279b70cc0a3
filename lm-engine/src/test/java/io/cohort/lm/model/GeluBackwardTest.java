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
        float d = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * SQRT_2_OVER_PI * (1f + 3f * GELU_C * v * v);
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
}
