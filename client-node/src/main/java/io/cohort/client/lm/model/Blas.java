package io.cohort.client.lm.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Row-major single-precision matrix products on OpenBLAS, for operands kept in Java arrays.
 *
 * <p>Why copies: JavaCPP's {@code float[]} overloads copy every array in and back out on each call
 * (JNI {@code Get/ReleaseFloatArrayElements}); copying only what a product reads into per-thread
 * off-heap scratch, and only the result back, costs a few percent of a large product instead of
 * about a quarter. Frozen weights live off-heap for good ({@link NativeMatrix}).
 *
 * <p>OpenBLAS 0.3.19 (the version ND4J M2.1 brings) does not recognise recent Intel cores and
 * falls back to SSE3 kernels, about 6x slower; {@code bin/cohort-node} sets
 * {@code OPENBLAS_CORETYPE} from the CPU flags before the JVM starts (see docs/model-engine.md).
 */
public final class Blas {
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Blas() {
  }

  /** Sets the number of threads OpenBLAS uses for one product (process-wide). */
  public static void setThreads(int threads) {
    openblas.blas_set_num_threads(threads);
  }

  /**
   * {@code C = alpha * op(A) * op(B) + beta * C}, all row-major; op(A) is m x k, op(B) is k x n.
   * Operands start at the given offsets with leading dimensions lda, ldb, ldc.
   */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    Scratch s = SCRATCH.get();
    int aSpan = span(transA ? k : m, transA ? m : k, lda);
    int bSpan = span(transB ? n : k, transB ? k : n, ldb);
    int cSpan = span(m, n, ldc);
    FloatPointer pa = s.a(aSpan);
    FloatPointer pb = s.b(bSpan);
    FloatPointer pc = s.c(cSpan);
    pa.put(a, aOff, aSpan);
    pb.put(b, bOff, bSpan);
    if (beta != 0f) {
      pc.put(c, cOff, cSpan);
    }
    openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans,
        transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    pc.get(c, cOff, cSpan);
  }

  /** As {@link #gemm}, with B a frozen off-heap matrix (its own leading dimension). */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, NativeMatrix b, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    Scratch s = SCRATCH.get();
    int aSpan = span(transA ? k : m, transA ? m : k, lda);
    int cSpan = span(m, n, ldc);
    FloatPointer pa = s.a(aSpan);
    FloatPointer pc = s.c(cSpan);
    pa.put(a, aOff, aSpan);
    if (beta != 0f) {
      pc.put(c, cOff, cSpan);
    }
    openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans,
        transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, alpha, pa, lda, b.pointer(), b.cols(),
        beta, pc, ldc);
    pc.get(c, cOff, cSpan);
  }

  private static int span(int rows, int cols, int ld) {
    return rows == 0 ? 0 : (rows - 1) * ld + cols;
  }

  /** Per-thread off-heap buffers that only grow (to the largest product the thread has run). */
  private static final class Scratch {
    private FloatPointer a = new FloatPointer(1);
    private FloatPointer b = new FloatPointer(1);
    private FloatPointer c = new FloatPointer(1);

    FloatPointer a(int n) {
      a = grow(a, n);
      return a;
    }

    FloatPointer b(int n) {
      b = grow(b, n);
      return b;
    }

    FloatPointer c(int n) {
      c = grow(c, n);
      return c;
    }

    private static FloatPointer grow(FloatPointer p, int n) {
      if (p.capacity() >= n) {
        return p;
      }
      p.deallocate();
      return new FloatPointer(Math.max(n, p.capacity() * 3 / 2));
    }
  }
}
