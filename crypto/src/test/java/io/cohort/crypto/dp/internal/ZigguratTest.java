package io.cohort.crypto.dp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The float fast path never scales noise below the requested stddev. Seeded; seed in messages. */
class ZigguratTest {
  private static final long SEED = 20261130L;

  @Test
  void scaledWidths_areNeverBelowTheExactProduct_andWithinOneFloatUlp() {
    SplittableRandom rnd = new SplittableRandom(SEED);
    for (int t = 0; t < 2000; t++) {
      double stddev = Math.exp(rnd.nextDouble(-20, 20));
      float[] ws = Ziggurat.scaledWidths(stddev);
      for (int i = 0; i < ws.length; i++) {
        double exact = Ziggurat.width(i) * stddev;
        assertThat((double) ws[i]).as("seed=%d stddev=%s layer=%d", SEED, stddev, i).isGreaterThanOrEqualTo(exact)
            .isLessThanOrEqualTo(exact + Math.ulp(ws[i]));
      }
    }
  }
}
