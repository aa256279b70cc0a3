package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * oneDNN primitives live in a bounded per-thread cache: more shapes than it holds (batches of every
 * length) evict and destroy the oldest, and a shape used again after eviction is rebuilt and still
 * right. 80 row counts, more than the 64 a thread keeps, each checked against a double reference.
 */
class DnnlKernelCacheTest {
  private static final long SEED = 20261207L;
  private static final int N = 24;
  private static final int K = 16;

  @AfterEach
  void backToFp32() {
    Blas.setPrecision(Precision.FP32);
  }

  @Test
  void f32Products_beyondTheCache_stayExact() {
    SplittableRandom r = new SplittableRandom(SEED);
    float[] b = random(r, K * N);
    FloatPointer pb = new FloatPointer(b);
    for (int pass = 0; pass < 2; pass++) {
      for (int m = 1; m <= 80; m++) {
        float[] a = random(r, m * K);
        FloatPointer pc = new FloatPointer((long) m * N);
        Dnnl.f32(false, m, N, K, new FloatPointer(a), K, pb, N, pc);
        float[] c = new float[m * N];
        pc.get(c);
        double[] want = reference(a, b, m);
        for (int i = 0; i < c.length; i++) {
          assertThat((double) c[i]).as("m %d entry %d pass %d (seed %d)", m, i, pass, SEED)
              .isCloseTo(want[i], within(1e-4 + 1e-5 * Math.abs(want[i])));
        }
      }
    }
  }

  @Test
  void bf16Products_beyondTheCache_stayWithinBf16Rounding() {
    SplittableRandom r = new SplittableRandom(SEED);
    float[] b = random(r, K * N);
    Blas.setPrecision(Precision.BF16);
    NativeMatrix w = new NativeMatrix(b, K, N);
    for (int pass = 0; pass < 2; pass++) {
      for (int m = 1; m <= 80; m++) {
        float[] a = random(r, m * K);
        float[] c = new float[m * N];
        Blas.gemm(false, false, m, N, K, 1f, a, 0, K, w, 0f, c, 0, N);
        // BF16 x BF16 -> FP32: the reference rounds both operands to BF16 (nearest even) first.
        double[] want = reference(bf16(a), bf16(b), m);
        for (int i = 0; i < c.length; i++) {
          assertThat((double) c[i]).as("m %d entry %d pass %d (seed %d)", m, i, pass, SEED)
              .isCloseTo(want[i], within(1e-4 + 1e-5 * Math.abs(want[i])));
        }
      }
    }
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static float[] bf16(float[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = NativeMatrix.fromBf16(NativeMatrix.toBf16(v[i]));
    }
    return out;
  }

  private static double[] reference(float[] a, float[] b, int m) {
    double[] c = new double[m * N];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int p = 0; p < K; p++) {
          s += (double) a[i * K + p] * b[p * N + j];
        }
        c[i * N + j] = s;
      }
    }
    return c;
  }
}
