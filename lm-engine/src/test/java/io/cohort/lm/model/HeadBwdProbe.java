package io.cohort.lm.model;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The output head's input-gradient product {@code dh = P W} ([256, vocab] x [vocab, width], FP32) at
 * Qwen2.5-0.5B's head, one call per thread on two threads side by side (as {@link OutputHeadLoss}
 * runs it): oneDNN's FP32 matmul with the whole vocabulary as the inner dimension, in pieces of
 * 65,536 to 1,024 head rows summed, and OpenBLAS (chunk -1). GFLOP/s per thread, best of 3, twice
 * over (docs/benchmarks.md, session 13). Run with {@code OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1}.
 *
 * <p>{@code java -Xmx4g -cp ... io.cohort.lm.model.HeadBwdProbe}
 */
public final class HeadBwdProbe {
  private HeadBwdProbe() {
  }

  public static void main(String[] args) throws InterruptedException {
    int vocab = 151_936;
    int width = 896;
    int m = 256;
    int threads = 2;
    SplittableRandom r = new SplittableRandom(5);
    float[] w = new float[vocab * width];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.02);
    }
    NativeMatrix head = new NativeMatrix(w, vocab, width);
    w = null;
    long headAt = head.pointer().address();
    for (int round = 0; round < 2; round++) {
      for (int chunk : new int[] {vocab, 65_536, 16_384, 4_096, 1_024, -1}) {
        double[] gflops = new double[threads];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
          int tt = t;
          ts[t] = new Thread(() -> gflops[tt] = time(head, headAt, m, vocab, width, chunk));
          ts[t].start();
        }
        for (Thread t : ts) {
          t.join();
        }
        System.out.printf("{\"round\": %d, \"chunk\": %d, \"gflops_per_thread\": [%.1f, %.1f]}%n", round, chunk,
            gflops[0], gflops[1]);
      }
    }
  }

  private static double time(NativeMatrix head, long headAt, int m, int vocab, int width, int chunk) {
    FloatPointer p = new FloatPointer((long) m * vocab);
    FloatPointer out = new FloatPointer((long) m * width);
    FloatPointer part = new FloatPointer((long) m * width);
    try {
      for (long i = 0; i < (long) m * vocab; i++) {
        p.put(i, 0.01f * (i % 7));
      }
      long best = Long.MAX_VALUE;
      for (int rep = 0; rep < 3; rep++) {
        long t0 = System.nanoTime();
        if (chunk < 0) {
          openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, m, width, vocab,
              1f, p, vocab, head.pointer(), width, 0f, out, width);
        } else {
          for (int v0 = 0; v0 < vocab; v0 += chunk) {
            int n = Math.min(chunk, vocab - v0);
            Dnnl.f32(false, m, width, n, new Dnnl.At(p.address() + 4L * v0), vocab,
                new Dnnl.At(headAt + 4L * v0 * width), width, v0 == 0 ? out : part);
            if (v0 > 0) {
              openblas.cblas_saxpy(m * width, 1f, part, 1, out, 1);
            }
          }
        }
        best = Math.min(best, System.nanoTime() - t0);
      }
      return 2.0 * m * vocab * width / best;
    } finally {
      p.deallocate();
      out.deallocate();
      part.deallocate();
    }
  }
}
