package io.cohort.lm.model;

import java.util.SplittableRandom;

/**
 * Times thin {@code C = A^T B} products (LoRA's weight gradients) through {@link Blas#gemm} at the
 * shapes of a Qwen2.5-0.5B and a GPT-2-small step, two engine threads: best and mean GFLOP/s over
 * repeated calls. Run it under {@code -Dcohort.thin=java|blas} or {@code -Dcohort.thin.wide=java}
 * to compare the paths (docs/benchmarks.md, session 13).
 *
 * <p>{@code java -cp ... io.cohort.lm.model.ThinProbe}
 */
public final class ThinProbe {
  private ThinProbe() {
  }

  public static void main(String[] args) {
    Parallel.setThreads(2);
    int[][] shapes = {{16, 896, 1024}, {16, 4864, 1024}, {4864, 16, 1024}, {896, 16, 1024}, {128, 16, 1024},
        {16, 768, 2048}, {2304, 8, 2048}};
    SplittableRandom r = new SplittableRandom(1);
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      float[] a = new float[k * m];
      float[] b = new float[k * n];
      float[] c = new float[m * n];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) r.nextDouble();
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) r.nextDouble();
      }
      double best = 0;
      for (int rep = 0; rep < 300; rep++) {
        long t0 = System.nanoTime();
        Blas.gemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 1f, c, 0, n);
        long t = System.nanoTime() - t0;
        if (rep > 50) {
          best = Math.max(best, 2.0 * m * n * k / t);
        }
      }
      long t0 = System.nanoTime();
      for (int rep = 0; rep < 100; rep++) {
        Blas.gemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 1f, c, 0, n);
      }
      double mean = 2.0 * m * n * k * 100 / (System.nanoTime() - t0);
      System.out.printf("{\"thin\": \"%s\", \"wide\": \"%s\", \"mxnxk\": \"%dx%dx%d\", \"best_gflops\": %.1f,"
          + " \"mean_gflops\": %.1f}%n", System.getProperty("cohort.thin", "auto"),
          System.getProperty("cohort.thin.wide", "transposed"), m, n, k, best, mean);
    }
  }
}
