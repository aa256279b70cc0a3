package io.cohort.lm.train;

import io.cohort.lm.model.Blas;
import io.cohort.lm.model.NativeMatrix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GEMM peak a step is measured against: the best GFLOP/s of the engine's own product path
 * ({@link Blas#gemm} with an off-heap frozen B, activations copied in and out, in the precision in
 * force) at the largest frozen-weight product shapes a step recorded ({@link Blas#recordShapes}) and
 * at 2048^3, in the calling process with its thread count. Used by the step benchmarks.
 */
final class GemmPeak {
  private final double peak;
  private final String json;

  private GemmPeak(double peak, String json) {
    this.peak = peak;
    this.json = json;
  }

  double gflops() {
    return peak;
  }

  /** {"MxKxN op": GFLOP/s, ...} for each shape probed. */
  String json() {
    return json;
  }

  /** The OpenBLAS kernels this process was started with (environment), printed beside every peak. */
  static String openBlasCoreType() {
    String t = System.getenv("OPENBLAS_CORETYPE");
    return t == null ? "autodetected" : t;
  }

  /** Probes the {@code top} frozen shapes with the most FLOPs in {@code recorded} and 2048^3. */
  static GemmPeak probe(Map<String, Long> recorded, int top) {
    List<Map.Entry<String, Long>> frozen = new ArrayList<>();
    for (Map.Entry<String, Long> e : recorded.entrySet()) {
      if (e.getKey().endsWith(" frozen") && e.getKey().split(" ")[3].equals("false")) {
        frozen.add(e);
      }
    }
    frozen.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
    List<String> shapes = new ArrayList<>();
    for (int i = 0; i < Math.min(top, frozen.size()); i++) {
      shapes.add(frozen.get(i).getKey());
    }
    shapes.add("2048 2048 2048 false false frozen");
    double best = 0;
    StringBuilder json = new StringBuilder("{");
    for (String s : shapes) {
      String[] f = s.split(" ");
      int m = Integer.parseInt(f[0]);
      int n = Integer.parseInt(f[1]);
      int k = Integer.parseInt(f[2]);
      boolean transB = Boolean.parseBoolean(f[4]);
      double g = gflops(m, n, k, transB);
      best = Math.max(best, g);
      json.append(json.length() == 1 ? "" : ", ").append(String.format(Locale.ROOT, "\"%dx%dx%d %s\": %.1f", m, k, n,
          transB ? "A*W^T" : "A*W", g));
    }
    return new GemmPeak(best, json.append('}').toString());
  }

  /** Best of five timed products C[m,n] = A[m,k] op(W) after one warm-up, W off-heap. */
  static double gflops(int m, int n, int k, boolean transB) {
    SplittableRandom rnd = new SplittableRandom(m + 31L * n + 961L * k);
    float[] a = new float[m * k];
    float[] w = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (rnd.nextDouble() - 0.5);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rnd.nextDouble() - 0.5);
    }
    NativeMatrix nw = transB ? new NativeMatrix(w, n, k) : new NativeMatrix(w, k, n);
    float[] out = new float[m * n];
    double best = Double.MAX_VALUE;
    for (int rep = 0; rep < 6; rep++) {
      long t0 = System.nanoTime();
      Blas.gemm(false, transB, m, n, k, 1f, a, 0, k, nw, 0f, out, 0, n);
      double s = (System.nanoTime() - t0) / 1e9;
      if (rep > 0) {
        best = Math.min(best, s);
      }
    }
    return 2.0 * m * n * k / best / 1e9;
  }
}
