package io.cohort.lm.model;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Times attention's score product {@code S = Q K^T} for one chunk of heads, on one thread and
 * off-heap (no copies), three ways: one batched oneDNN FP32 matmul, one OpenBLAS sgemm per head, and
 * one batched oneDNN BF16 matmul; then the whole forward + backward of {@link AttentionProducts}
 * against the per-head BLAS path ({@code Attention}-style loop) on the same inputs. Decides which
 * engine {@link AttentionProducts} uses under FP32. Prints GFLOP/s, best of {@code reps}.
 *
 * <p>{@code java -cp ... io.cohort.lm.model.AttentionProductsBenchmark heads t hd reps}
 */
public final class AttentionProductsBenchmark {
  private AttentionProductsBenchmark() {
  }

  public static void main(String[] args) {
    int heads = Integer.parseInt(args[0]);
    int t = Integer.parseInt(args[1]);
    int hd = Integer.parseInt(args[2]);
    int reps = Integer.parseInt(args[3]);
    Parallel.setThreads(1);
    SplittableRandom rnd = new SplittableRandom(18L);
    int qLen = heads * t * hd;
    FloatPointer q = new FloatPointer(qLen).put(gaussian(rnd, qLen), 0, qLen);
    FloatPointer k = new FloatPointer(qLen).put(gaussian(rnd, qLen), 0, qLen);
    FloatPointer s = new FloatPointer((long) heads * t * t);
    ShortPointer qh = new ShortPointer(qLen);
    ShortPointer kh = new ShortPointer(qLen);
    BatchedMatmul.toBf16(q, qh, qLen);
    BatchedMatmul.toBf16(k, kh, qLen);
    double flops = 2.0 * heads * t * t * hd;
    long[] rowMajor = {(long) t * hd, hd, 1};
    long[] transposed = {(long) t * hd, 1, hd};
    print("onednn-f32-batched", heads, t, hd, flops, best(reps, () ->
        BatchedMatmul.run(false, heads, t, t, hd, rowMajor, transposed, 0.125f, q, k, s)));
    print("openblas-f32-per-head", heads, t, hd, flops, best(reps, () -> {
      for (int h = 0; h < heads; h++) {
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, t, t, hd, 0.125f,
            q.getPointer(FloatPointer.class, (long) h * t * hd), hd, k.getPointer(FloatPointer.class, (long) h * t * hd),
            hd, 0f, s.getPointer(FloatPointer.class, (long) h * t * t), t);
      }
    }));
    print("onednn-bf16-batched", heads, t, hd, flops, best(reps, () ->
        BatchedMatmul.run(true, heads, t, t, hd, rowMajor, transposed, 0.125f, qh, kh, s)));
    // The whole chunk: forward + backward (six products), new path against per-head BLAS calls.
    float[] qa = gaussian(rnd, qLen);
    float[] ka = gaussian(rnd, qLen);
    float[] va = gaussian(rnd, qLen);
    float[] dO = gaussian(rnd, qLen);
    float[] probs = new float[heads * t * t];
    float[] dS = new float[probs.length];
    float[] o = new float[qLen];
    float[] dq = new float[qLen];
    float[] dk = new float[qLen];
    float[] dv = new float[qLen];
    double all = 6 * flops;
    for (Precision p : Precision.values()) {
      Blas.setPrecision(p);
      Runnable chunk = () -> {
        AttentionProducts.forward(qa, ka, va, heads, 1, t, hd, 0.125f, probs, o);
        AttentionProducts.backward(qa, ka, va, probs, dO, heads, 1, t, hd, 0.125f, dS, dq, dk, dv);
      };
      print("chunk-fwd-bwd-new-" + p, heads, t, hd, all, best(reps, chunk));
      // Where the new path's time goes: its products, copies (with BF16 rounding) and softmax.
      Blas.recordShapes(true);
      best(reps, chunk);
      Blas.recordedShapeSeconds().forEach((key, sec) -> System.out.printf(java.util.Locale.ROOT,
          "  %-40s %.3f ms per chunk%n", key, sec * 1e3 / reps));
      Blas.recordShapes(false);
    }
    Blas.setPrecision(Precision.FP32);
    print("chunk-fwd-bwd-blas-per-head", heads, t, hd, all, best(reps, () -> {
      for (int bh = 0; bh < heads; bh++) {
        int ho = bh * t * hd;
        int po = bh * t * t;
        Blas.gemm(false, true, t, t, hd, 0.125f, qa, ho, hd, ka, ho, hd, 0f, probs, po, t);
        Attention.softmaxCausal(probs, po, t);
        Blas.gemm(false, false, t, hd, t, 1f, probs, po, t, va, ho, hd, 0f, o, ho, hd);
      }
      for (int bh = 0; bh < heads; bh++) {
        int ho = bh * t * hd;
        int po = bh * t * t;
        Blas.gemm(false, true, t, t, hd, 1f, dO, ho, hd, va, ho, hd, 0f, dS, po, t);
        Blas.onBlas(true, false, t, hd, t, 1f, probs, po, t, dO, ho, hd, 0f, dv, ho, hd);
        for (int row = 0; row < t; row++) {
          Attention.softmaxCausalRowBackward(probs, dS, po + row * t, row, t);
        }
        Blas.gemm(false, false, t, hd, t, 0.125f, dS, po, t, ka, ho, hd, 0f, dq, ho, hd);
        Blas.onBlas(true, false, t, hd, t, 0.125f, dS, po, t, qa, ho, hd, 0f, dk, ho, hd);
      }
    }));
  }

  private static void print(String what, int heads, int t, int hd, double flops, long nanos) {
    System.out.printf(java.util.Locale.ROOT,
        "{\"what\":\"%s\",\"heads\":%d,\"t\":%d,\"hd\":%d,\"ms\":%.3f,\"gflops\":%.1f}%n", what, heads, t, hd,
        nanos / 1e6, flops / nanos);
  }

  private static long best(int reps, Runnable r) {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, System.nanoTime() - t0);
    }
    return best;
  }

  private static float[] gaussian(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
