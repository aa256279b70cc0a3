package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Products with a small inner dimension and a wide result (LoRA's {@code y += s (x A^T) B^T} and
 * {@code dx += (dy B) A}), which run as rank-k row updates in Java on the heap arrays, against a
 * double-precision triple loop: B stored [k, n] and transposed [n, k], offsets and wider leading
 * dimensions, beta 0, 1 and other, on one and two threads; values of C outside the product untouched.
 */
class LowRankProductTest {
  private static final long SEED = 20261209L;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void rankUpdatesEqualTheReference() {
    for (int threads : new int[] {1, 2}) {
      Parallel.setThreads(threads);
      check(false, 300, 896, 16, 1f, 1f, 0, 0, 0, threads);     // dx += du A (A [r, in])
      check(true, 300, 4864, 16, 2f, 1f, 0, 0, 0, threads);     // y += s u B^T (B [out, r])
      check(true, 37, 100, 8, -0.5f, 0f, 3, 5, 7, threads);     // beta 0, offsets, wider rows
      check(false, 65, 70, 32, 1.5f, 0.25f, 11, 2, 9, threads); // beta other, k at the limit
      check(false, 1, 64, 1, 1f, 1f, 0, 0, 0, threads);         // one row, rank 1
    }
  }

  @Test
  void theJavaPathIsTheOneThatRuns() {
    Blas.recordShapes(true);
    try {
      float[] c = new float[4 * 128];
      Blas.gemm(false, true, 4, 128, 16, 1f, new float[4 * 16], 0, 16, new float[128 * 16], 0, 16, 1f, c, 0, 128);
      assertThat(Blas.recordedShapes()).containsKey("4 128 16 false true lowrank");
    } finally {
      Blas.recordShapes(false);
    }
  }

  private static void check(boolean transB, int m, int n, int k, float alpha, float beta, int aPad, int bPad,
      int cPad, int threads) {
    SplittableRandom r = new SplittableRandom(SEED + m * 31L + n + k);
    int lda = k + aPad;
    int ldb = (transB ? k : n) + bPad;
    int ldc = n + cPad;
    int aOff = 3;
    int bOff = 5;
    int cOff = 2;
    float[] a = random(r, aOff + m * lda);
    float[] b = random(r, bOff + (transB ? n : k) * ldb);
    float[] c = random(r, cOff + m * ldc + 4);
    float[] before = c.clone();
    Blas.gemm(false, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    String what = String.format("transB %s m %d n %d k %d alpha %s beta %s threads %d seed %d", transB, m, n, k,
        alpha, beta, threads, SEED);
    for (int i = 0; i < c.length; i++) {
      int rel = i - cOff;
      int row = rel >= 0 ? rel / ldc : -1;
      int col = rel >= 0 ? rel % ldc : -1;
      if (row < 0 || row >= m || col >= n) {
        assertThat(c[i]).as("outside the product: c[%d], %s", i, what).isEqualTo(before[i]);
        continue;
      }
      double want = beta * (double) before[i];
      for (int j = 0; j < k; j++) {
        double bv = transB ? b[bOff + col * ldb + j] : b[bOff + j * ldb + col];
        want += alpha * (double) a[aOff + row * lda + j] * bv;
      }
      assertThat((double) c[i]).as("c[%d][%d], %s", row, col, what).isCloseTo(want, within(1e-4 + 1e-5 * Math.abs(want)));
    }
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }
}
