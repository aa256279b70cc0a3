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
  /** Results with at most this many rows or columns from A^T B are computed in Java (see skinnyTransposedA). */
  private static final int SKINNY = 32;
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
    if (transA && !transB && Math.min(m, n) <= SKINNY) {
      skinnyTransposedA(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
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

  /**
   * {@code C = alpha A^T B + beta C} for a thin C (LoRA weight gradients: [out, r] and [r, in]
   * summed over thousands of rows). OpenBLAS 0.3.19 takes 50-100 ms for a 192 x 8 result over 2048
   * rows (0.06 GFLOPS); this loop accumulates rank-1 updates along C's longer side, which the JIT
   * vectorises, in about a millisecond.
   */
  private static void skinnyTransposedA(int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    float[] acc = new float[m * n];
    if (m >= n) {
      // acc is C^T [n, m]: for each row of A and B, acc[j, :] += B[kk, j] * A[kk, :].
      for (int kk = 0; kk < k; kk++) {
        int ar = aOff + kk * lda;
        int br = bOff + kk * ldb;
        for (int j = 0; j < n; j++) {
          float bv = b[br + j];
          if (bv != 0f) {
            int o = j * m;
            for (int i = 0; i < m; i++) {
              acc[o + i] += bv * a[ar + i];
            }
          }
        }
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          int ci = cOff + i * ldc + j;
          c[ci] = alpha * acc[j * m + i] + (beta == 0f ? 0f : beta * c[ci]);
        }
      }
    } else {
      // acc is C [m, n]: acc[i, :] += A[kk, i] * B[kk, :].
      for (int kk = 0; kk < k; kk++) {
        int ar = aOff + kk * lda;
        int br = bOff + kk * ldb;
        for (int i = 0; i < m; i++) {
          float av = a[ar + i];
          if (av != 0f) {
            int o = i * n;
            for (int j = 0; j < n; j++) {
              acc[o + j] += av * b[br + j];
            }
          }
        }
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          int ci = cOff + i * ldc + j;
          c[ci] = alpha * acc[i * n + j] + (beta == 0f ? 0f : beta * c[ci]);
        }
      }
    }
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
