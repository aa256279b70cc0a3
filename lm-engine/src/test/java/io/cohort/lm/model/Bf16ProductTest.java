package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frozen-weight products under {@link Precision#BF16} (oneDNN, BF16 operands, FP32 accumulation)
 * stay within BF16 rounding of the FP32 products, on random and on large-magnitude inputs, for every
 * form the engine uses (A W + bias, dY W^T, alpha/beta accumulation).
 */
class Bf16ProductTest {
  private static final long SEED = 20261206L;
  /** Each operand rounds by at most 2^-9 relative (nearest even), so a product by under 2^-8 + 2^-18. */
  private static final double OPERAND_ROUNDING = Math.scalb(1.0, -8) + Math.scalb(1.0, -17);

  @AfterEach
  void backToFp32() {
    Blas.setPrecision(Precision.FP32);
  }

  private static float[] random(SplittableRandom r, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return v;
  }

  /**
   * Checks {@code got} against the exact (double) product of the unrounded operands: the error
   * bound is BF16 rounding of both operands plus FP32 accumulation, relative to sum |a||w| per entry.
   */
  private static void assertWithinBf16Rounding(float[] got, float[] a, float[] w, boolean transB, int m, int n,
      int k, float[] bias, String what) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double exact = bias == null ? 0 : bias[j];
        double magnitude = 0;
        for (int kk = 0; kk < k; kk++) {
          double wv = transB ? w[j * k + kk] : w[kk * n + j];
          exact += (double) a[i * k + kk] * wv;
          magnitude += Math.abs(a[i * k + kk] * wv);
        }
        double bound = magnitude * (OPERAND_ROUNDING + k * Math.scalb(1.0, -23))
            + (bias == null ? 0 : Math.ulp((float) exact));
        assertThat(Math.abs(got[i * n + j] - exact)).as("%s [%d,%d] seed %d", what, i, j, SEED)
            .isLessThanOrEqualTo(bound);
      }
    }
  }

  @Test
  void randomProducts_areWithinBf16RoundingOfExact_andNotBitIdenticalToFp32() {
    SplittableRandom r = new SplittableRandom(SEED);
    int m = 37;
    int k = 300;
    int n = 129;
    float[] a = random(r, m * k, 1);
    float[] w = random(r, k * n, 0.05);
    float[] wt = random(r, n * k, 0.05);
    float[] bias = random(r, n, 1);
    NativeMatrix nw = new NativeMatrix(w, k, n);
    NativeMatrix nwt = new NativeMatrix(wt, n, k);
    float[] fp32 = new float[m * n];
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, nw, 0f, fp32, 0, n);

    Blas.setPrecision(Precision.BF16);
    float[] c = new float[m * n];
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, nw, 0f, c, 0, n);
    assertWithinBf16Rounding(c, a, w, false, m, n, k, null, "A W");
    assertThat(c).as("BF16 really ran (seed %d)", SEED).isNotEqualTo(fp32);

    Blas.gemm(false, true, m, n, k, 1f, a, 0, k, nwt, 0f, c, 0, n);
    assertWithinBf16Rounding(c, a, wt, true, m, n, k, null, "A W^T");

    Blas.gemmBias(m, n, k, a, nw, bias, c);
    assertWithinBf16Rounding(c, a, w, false, m, n, k, bias, "A W + b");

    // C = 0.5 A W + 1 * C0 (the output layer's input gradient accumulates this way)
    float[] c0 = random(r, m * n, 1);
    float[] acc = c0.clone();
    Blas.gemm(false, false, m, n, k, 0.5f, a, 0, k, nw, 1f, acc, 0, n);
    float[] half = new float[m * n];
    Blas.gemm(false, false, m, n, k, 0.5f, a, 0, k, nw, 0f, half, 0, n);
    for (int i = 0; i < acc.length; i++) {
      assertThat(acc[i]).as("alpha/beta entry %d seed %d", i, SEED).isEqualTo(half[i] + c0[i]);
    }
  }

  @Test
  void rowSlicedProducts_onTwoThreads_areWithinBf16Rounding_withOffsetsAndWiderRows() {
    // 300 rows: enough for one row slice per thread, each slice copying, multiplying (bias inside
    // oneDNN's product) and copying back on its own thread.
    Parallel.setThreads(2);
    try {
      SplittableRandom r = new SplittableRandom(SEED + 2);
      int m = 300;
      int k = 96;
      int n = 130;
      float[] w = random(r, k * n, 0.05);
      float[] wt = random(r, n * k, 0.05);
      float[] bias = random(r, n, 1);
      NativeMatrix nw = new NativeMatrix(w, k, n);
      NativeMatrix nwt = new NativeMatrix(wt, n, k);
      Blas.setPrecision(Precision.BF16);
      float[] a = random(r, m * k, 1);
      float[] c = new float[m * n];
      Blas.gemmBias(m, n, k, a, nw, bias, c);
      assertWithinBf16Rounding(c, a, w, false, m, n, k, bias, "sliced A W + b");

      // A read at an offset with a wider leading dimension, C written at an offset into wider rows,
      // C = 0.5 A W^T + 2 C0: the slice scales and accumulates on its own rows only.
      int aOff = 3;
      int lda = k + 5;
      int cOff = 7;
      int ldc = n + 4;
      float[] wideA = random(r, aOff + m * lda, 1);
      float[] dense = new float[m * k];
      for (int i = 0; i < m; i++) {
        System.arraycopy(wideA, aOff + i * lda, dense, i * k, k);
      }
      float[] c0 = random(r, cOff + m * ldc, 1);
      float[] acc = c0.clone();
      Blas.gemm(false, true, m, n, k, 0.5f, wideA, aOff, lda, nwt, 2f, acc, cOff, ldc);
      float[] product = new float[m * n];
      Blas.gemm(false, true, m, n, k, 1f, dense, 0, k, nwt, 0f, product, 0, n);
      assertWithinBf16Rounding(product, dense, wt, true, m, n, k, null, "sliced A W^T");
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < ldc && cOff + i * ldc + j < acc.length; j++) {
          int at = cOff + i * ldc + j;
          float want = j < n ? 0.5f * product[i * n + j] + 2f * c0[at] : c0[at];
          assertThat(acc[at]).as("alpha/beta [%d,%d] seed %d", i, j, SEED + 2).isEqualTo(want);
        }
      }
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  @Test
  void largeMagnitudes_keepFp32Range_andRelativeAccuracy() {
    // BF16 has FP32's exponent range: 1e18 x 1e18 products (1e36, near FP32's 3.4e38) must neither
    // overflow nor lose more than BF16 rounding; values of 1e-18 beside them must not turn into NaN.
    SplittableRandom r = new SplittableRandom(SEED + 1);
    int m = 9;
    int k = 64;
    int n = 33;
    float[] a = random(r, m * k, 1e18);
    float[] w = random(r, k * n, 1);
    for (int i = 0; i < w.length; i++) {
      w[i] *= (i % 3 == 0) ? 1e18f : 1e-18f;
    }
    NativeMatrix nw = new NativeMatrix(w, k, n);
    Blas.setPrecision(Precision.BF16);
    float[] c = new float[m * n];
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, nw, 0f, c, 0, n);
    for (float v : c) {
      assertThat(Float.isFinite(v)).as("seed %d", SEED + 1).isTrue();
    }
    assertWithinBf16Rounding(c, a, w, false, m, n, k, null, "large A W");
  }

  @Test
  void roundingToBf16_isNearestEven_withInfinityAndNan() {
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(1f))).isEqualTo(1f);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1).
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(1f + 0x1p-8f))).isEqualTo(1f);
    // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (1 + 2^-6).
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(1f + 3 * 0x1p-8f))).isEqualTo(1f + 0x1p-6f);
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(1f + 0x1p-8f + 0x1p-20f))).isEqualTo(1f + 0x1p-7f);
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(-2.5e38f))).isCloseTo(-2.5e38f, org.assertj.core.data
        .Percentage.withPercentage(0.4));
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(Float.MAX_VALUE))).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(Float.NEGATIVE_INFINITY))).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(NativeMatrix.fromBf16(NativeMatrix.toBf16(Float.NaN))).isNaN();
  }

  @Test
  void aMatrixBuiltUnderBf16_keepsOnlyBf16() {
    Blas.setPrecision(Precision.BF16);
    NativeMatrix w = new NativeMatrix(random(new SplittableRandom(SEED), 64, 1), 8, 8);
    assertThat(w.storedAsBf16()).isTrue();
    assertThat(w.storedBytes()).isEqualTo(2L * 64);
  }

  @Test
  void precisionOption_parsesFp32Bf16Auto_andNamesTheValidValues() {
    assertThat(Precision.parse("fp32")).isEqualTo(Precision.FP32);
    assertThat(Precision.parse("BF16")).isEqualTo(Precision.BF16);
    assertThat(Precision.parse("auto")).isEqualTo(Precision.cpuHasBf16() ? Precision.BF16 : Precision.FP32);
    assertThatThrownBy(() -> Precision.parse("fp16")).hasMessage("precision must be fp32, bf16 or auto, got 'fp16'");
  }
}
