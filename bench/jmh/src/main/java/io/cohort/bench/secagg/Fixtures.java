package io.cohort.bench.secagg;

import io.cohort.crypto.secagg.internal.SecretBytes;
import java.util.SplittableRandom;

/** Seeded inputs for the benchmarks: only timing is measured, so the data need not be secret. */
final class Fixtures {
  private Fixtures() {}

  static SecretBytes seed(SplittableRandom r) {
    byte[] k = new byte[32];
    r.nextBytes(k);
    return SecretBytes.wrap(k);
  }

  static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** A model update of d values in (-1.2, 1.2), some beyond a clip bound of 1 as real deltas are. */
  static float[] update(SplittableRandom r, int d) {
    float[] x = new float[d];
    for (int i = 0; i < d; i++) {
      x[i] = (float) (r.nextDouble() * 2.4 - 1.2);
    }
    return x;
  }

  /** Dropped nodes for a dropout percentage: round(n · pct / 100). */
  static int dropped(int n, int percent) {
    return (int) Math.round(n * percent / 100.0);
  }
}
