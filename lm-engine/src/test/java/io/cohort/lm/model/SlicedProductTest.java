package io.cohort.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Products the engine cuts into per-thread work, against a double-precision triple loop on one and
 * two threads: thin A^T B (LoRA weight gradients: Java column blocks, or one sgemm when both sides are narrow),
 * with offsets, leading dimensions, alpha and beta, also from inside a pool task (one slice); and
 * products sliced into rows or columns of C (x W + bias, dY W^T with beta and a wider C, op(A) op(B)
 * on heap operands with A transposed, a 16-row product over 4,096 columns, a sliced gemv), with
 * operands large enough that the copies to and from off-heap are split over the threads too.
 */
class SlicedProductTest {
  private static final long SEED = 20261207L;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void thinResultsEqualTheReferenceOnOneAndTwoThreads() {
    for (int threads : new int[] {1, 2}) {
      Parallel.setThreads(threads);
      check(2304, 8, 2048, 1f, 0f, threads);   // dB of a c_attn adapter: [out, r] over the batch's rows
      check(8, 768, 2048, 0.5f, 1f, threads);  // dA: [r, in], accumulated into C (beta 1)
      check(16, 5, 300, -2f, 0.25f, threads);  // k not a multiple of the slices
      check(3, 40, 100, 1f, 0f, threads);      // k below one slice of 256: a single sgemm
      check(1300, 16, 513, 0.5f, 0.25f, threads); // Java column blocks: 1300 not a multiple of 512, beta other
      check(16, 1100, 77, 2f, -1f, threads);   // Java, narrow result rows, negative beta
    }
  }

  @Test
  void insidePoolTasksTheProductRunsAsOneSlice() {
    Parallel.setThreads(2);
    float[][] out = new float[2][];
    Parallel.forEach(2, Long.MAX_VALUE / 2, t -> out[t] = check(600, 8, 1024, 1f, 0f, t));
    assertEquals(out[0].length, out[1].length);
  }

  private static float[] check(int m, int n, int k, float alpha, float beta, int tag) {
    SplittableRandom rnd = new SplittableRandom(SEED + 31L * m + n + k + tag);
    int lda = m + 3;
    int ldb = n + 1;
    int ldc = n + 2;
    int aOff = 5;
    int bOff = 7;
    int cOff = 11;
    float[] a = random(rnd, aOff + k * lda);
    float[] b = random(rnd, bOff + k * ldb);
    float[] c = random(rnd, cOff + m * ldc);
    float[] c0 = c.clone();
    Blas.gemm(true, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int kk = 0; kk < k; kk++) {
          sum += (double) a[aOff + kk * lda + i] * b[bOff + kk * ldb + j];
        }
        double want = alpha * sum + beta * c0[cOff + i * ldc + j];
        assertEquals(want, c[cOff + i * ldc + j], 1e-4 * Math.sqrt(k) + 1e-5 * Math.abs(want),
            "C[" + i + "," + j + "] of " + m + "x" + n + " over " + k + " (seed " + SEED + ")");
      }
    }
    // Entries outside C's rows are untouched (ldc > n).
    for (int i = 0; i < m; i++) {
      for (int j = n; j < ldc && cOff + i * ldc + j < c.length; j++) {
        assertEquals(c0[cOff + i * ldc + j], c[cOff + i * ldc + j], 0f);
      }
    }
    return c;
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return x;
  }

  @Test
  void slicedProductsEqualTheReference() {
    for (int threads : new int[] {1, 2}) {
      Parallel.setThreads(threads);
      SplittableRandom rnd = new SplittableRandom(SEED + threads);
      int m = 1500;
      int k = 256;
      int n = 768;
      float[] w = random(rnd, k * n);
      NativeMatrix wkn = new NativeMatrix(w, k, n);
      float[] bias = random(rnd, n);
      // x W + bias
      float[] x = random(rnd, m * k);
      float[] y = new float[m * n];
      Blas.gemmBias(m, n, k, x, wkn, bias, y);
      for (int i = 0; i < m; i += 37) {
        for (int j = 0; j < n; j++) {
          double want = bias[j];
          for (int kk = 0; kk < k; kk++) {
            want += (double) x[i * k + kk] * w[kk * n + j];
          }
          assertEquals(want, y[i * n + j], 1e-4, "x W + b [" + i + "," + j + "] threads " + threads + " seed " + SEED);
        }
      }
      // C = 0.5 dY W^T + 2 C, with an offset and a wider C
      int ldc = k + 3;
      float[] dy = random(rnd, m * n);
      float[] c = random(rnd, 2 + m * ldc);
      float[] c0 = c.clone();
      Blas.gemm(false, true, m, k, n, 0.5f, dy, 0, n, wkn, 2f, c, 2, ldc);
      for (int i = 0; i < m; i += 41) {
        for (int j = 0; j < k; j++) {
          double sum = 0;
          for (int kk = 0; kk < n; kk++) {
            sum += (double) dy[i * n + kk] * w[j * n + kk];
          }
          double want = 0.5 * sum + 2 * c0[2 + i * ldc + j];
          assertEquals(want, c[2 + i * ldc + j], 1e-4, "dY W^T [" + i + "," + j + "] threads " + threads + " seed " + SEED);
        }
        for (int j = k; j < ldc && 2 + i * ldc + j < c.length; j++) {
          assertEquals(c0[2 + i * ldc + j], c[2 + i * ldc + j], 0f, "outside C");
        }
      }
    }
  }

  @Test
  void rowSlicesReadAOffsetWithAWiderLeadingDimension() {
    for (int threads : new int[] {1, 2}) {
      Parallel.setThreads(threads);
      SplittableRandom rnd = new SplittableRandom(SEED + 11 * threads);
      int m = 700;
      int k = 200;
      int n = 300;
      int aOff = 9;
      int lda = k + 13;
      float[] w = random(rnd, k * n);
      float[] a = random(rnd, aOff + m * lda);
      float[] c = new float[m * n];
      Blas.gemm(false, false, m, n, k, 1f, a, aOff, lda, new NativeMatrix(w, k, n), 0f, c, 0, n);
      for (int i = 0; i < m; i += 23) {
        for (int j = 0; j < n; j += 3) {
          double want = 0;
          for (int kk = 0; kk < k; kk++) {
            want += (double) a[aOff + i * lda + kk] * w[kk * n + j];
          }
          assertEquals(want, c[i * n + j], 1e-4, "A W [" + i + "," + j + "] threads " + threads + " seed " + SEED);
        }
      }
    }
  }

  @Test
  void columnSlicesTransposedHeapOperandsAndGemvEqualTheReference() {
    for (int threads : new int[] {1, 2}) {
      Parallel.setThreads(threads);
      SplittableRandom rnd = new SplittableRandom(SEED + 7 * threads);
      // 16 rows x 4096 columns: too few rows to slice, so columns are cut (the output layer's blocks).
      int m = 16;
      int k = 256;
      int n = 4096;
      float[] w = random(rnd, k * n);
      float[] x = random(rnd, m * k);
      for (boolean transB : new boolean[] {false, true}) {
        NativeMatrix nw = transB ? new NativeMatrix(w, n, k) : new NativeMatrix(w, k, n);
        float[] y = new float[m * n];
        Blas.gemm(false, transB, m, n, k, 1f, x, 0, k, nw, 0f, y, 0, n);
        for (int i = 0; i < m; i += 5) {
          for (int j = 0; j < n; j += 13) {
            double want = 0;
            for (int kk = 0; kk < k; kk++) {
              want += (double) x[i * k + kk] * (transB ? w[j * k + kk] : w[kk * n + j]);
            }
            assertEquals(want, y[i * n + j], 1e-4, "columns [" + i + "," + j + "] transB " + transB + " threads "
                + threads + " seed " + SEED);
          }
        }
      }
      // Heap operands, A stored k x m and transposed, B transposed: C = A^T B^T, rows of C sliced.
      int mm = 600;
      int kk2 = 300;
      int nn = 200;
      float[] a = random(rnd, kk2 * mm);
      float[] b = random(rnd, nn * kk2);
      float[] c = new float[mm * nn];
      Blas.gemm(true, true, mm, nn, kk2, 1f, a, 0, mm, b, 0, kk2, 0f, c, 0, nn);
      for (int i = 0; i < mm; i += 29) {
        for (int j = 0; j < nn; j += 7) {
          double want = 0;
          for (int kk = 0; kk < kk2; kk++) {
            want += (double) a[kk * mm + i] * b[j * kk2 + kk];
          }
          assertEquals(want, c[i * nn + j], 1e-4, "A^T B^T [" + i + "," + j + "] threads " + threads + " seed " + SEED);
        }
      }
      // y = W v over 5000 rows, sliced by rows.
      int rows = 5000;
      int cols = 512;
      float[] wv = random(rnd, rows * cols);
      float[] v = random(rnd, cols);
      float[] yv = new float[rows + 3];
      Blas.gemv(new NativeMatrix(wv, rows, cols), v, 0, yv, 3);
      for (int r = 0; r < rows; r += 17) {
        double want = 0;
        for (int j = 0; j < cols; j++) {
          want += (double) wv[r * cols + j] * v[j];
        }
        assertEquals(want, yv[3 + r], 1e-4, "gemv row " + r + " threads " + threads + " seed " + SEED);
      }
    }
  }
}
