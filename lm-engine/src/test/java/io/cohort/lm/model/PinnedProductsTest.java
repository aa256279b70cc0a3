package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.peft.LoraInit;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModule;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Products on pinned Java arrays ({@link PinnedProducts}) give what the same products give through
 * off-heap copies: a LoRA layer's output and gradients (row-sliced frozen products with bias, side
 * products and their updates; transposed frozen products), heap products at offsets and leading
 * dimensions, in FP32 and BF16, and attention's chunks run as one pinned sequence of oneDNN primitives. The shim is there wherever the build could compile it, and
 * {@code bin/test} requires it where a C compiler exists ({@code COHORT_REQUIRE_PINNED=1}).
 */
class PinnedProductsTest {
  private static final long SEED = 20261207L;

  @AfterEach
  void restore() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    Blas.setPrecision(Precision.FP32);
    Blas.onArrays(true);
  }

  @Test
  void theShimLoadsWhereTheBuildMadeIt() {
    boolean built = PinnedProducts.class.getResource(PinnedProducts.RESOURCE) != null;
    if ("1".equals(System.getenv("COHORT_REQUIRE_PINNED"))) {
      assertThat(built).as("the build compiled " + PinnedProducts.RESOURCE + " (a C compiler is on this machine)")
          .isTrue();
    }
    // -Dcohort.operands=copy (for A/B runs and for running this suite on the copying path) turns it off.
    boolean expected = built && !"copy".equals(System.getProperty("cohort.operands"));
    assertThat(PinnedProducts.available()).as("the shim in this build loads").isEqualTo(expected);
    assertThat(Blas.onArrays()).isEqualTo(expected);
  }

  @Test
  void loraLayer_sameOutputAndGradientsOnArraysAsThroughCopies_fp32() {
    for (int threads : new int[] {2, 1}) {
      Parallel.setThreads(threads);
      compareLayer(SEED + threads, 1e-6);
    }
  }

  @Test
  void loraLayer_sameOutputAndGradientsOnArraysAsThroughCopies_bf16() {
    Parallel.setThreads(2);
    Blas.setPrecision(Precision.BF16);
    compareLayer(SEED + 7, 1e-6);
  }

  @Test
  void heapProducts_atOffsetsAndLeadingDimensions_sameOnArraysAsThroughCopies() {
    SplittableRandom rnd = new SplittableRandom(SEED + 11);
    for (boolean transA : new boolean[] {false, true}) {
      for (boolean transB : new boolean[] {false, true}) {
        int m = 70;
        int n = 90;
        int k = 50;
        int lda = (transA ? m : k) + 3;
        int ldb = (transB ? k : n) + 5;
        int ldc = n + 2;
        float[] a = random(rnd, 4 + lda * (transA ? k : m));
        float[] b = random(rnd, 6 + ldb * (transB ? n : k));
        float[] c0 = random(rnd, 1 + ldc * m);
        float[][] out = new float[2][];
        for (int mode = 0; mode < 2; mode++) {
          Blas.onArrays(mode == 0);
          out[mode] = c0.clone();
          Blas.onBlas(transA, transB, m, n, k, 0.5f, a, 4, lda, b, 6, ldb, 0.25f, out[mode], 1, ldc);
        }
        assertClose(out[0], out[1], 1e-6, "heap product transA=" + transA + " transB=" + transB);
        // Values outside C's rows (the padding of ldc and before the offset) are left alone.
        assertThat(out[0][0]).isEqualTo(c0[0]);
        assertThat(out[0][1 + n]).isEqualTo(c0[1 + n]);
        assertThat(out[0]).isNotEqualTo(c0);
      }
    }
    // Thin A^T B (LoRA weight gradients): tall C [200, 8] on OpenBLAS on the arrays, wide [8, 200] as its
    // transpose there (then transposed into C); through copies both run in Java.
    for (int[] shape : new int[][] {{200, 8}, {8, 200}}) {
      int m = shape[0];
      int n = shape[1];
      int k = 300;
      float[] a = random(rnd, 3 + (m + 1) * k);
      float[] b = random(rnd, 2 + (n + 2) * k);
      float[] c0 = random(rnd, 5 + m * (n + 4));
      float[][] out = new float[2][];
      for (int mode = 0; mode < 2; mode++) {
        Blas.onArrays(mode == 0);
        out[mode] = c0.clone();
        Blas.gemm(true, false, m, n, k, 0.75f, a, 3, m + 1, b, 2, n + 2, 1f, out[mode], 5, n + 4);
      }
      assertClose(out[0], out[1], 1e-5, "thin A^T B " + m + "x" + n);
    }
    NativeMatrix w = new NativeMatrix(random(rnd, 64 * 48), 64, 48);
    float[] a = random(rnd, 64 * 40);
    float[][] out = new float[2][];
    for (int mode = 0; mode < 2; mode++) {
      Blas.onArrays(mode == 0);
      out[mode] = new float[40 * 48];
      // A^T W with a frozen W: a weight-gradient-shaped product, never row-sliced.
      Blas.gemm(true, false, 40, 48, 64, 1f, a, 0, 40, w, 0f, out[mode], 0, 48);
    }
    assertClose(out[0], out[1], 1e-6, "frozen A^T W");
  }

  @Test
  void bf16Attention_sameProbabilitiesOutputAndGradientsOnArraysAsThroughCopies() {
    compareAttention(Precision.BF16);
  }

  @Test
  void fp32Attention_sameProbabilitiesOutputAndGradientsOnArraysAsThroughCopies() {
    compareAttention(Precision.FP32);
  }

  private static void compareAttention(Precision precision) {
    Blas.setPrecision(precision);
    Parallel.setThreads(2);
    // GQA (2 query heads per key/value head) over 2 examples x 4 heads; 48 rows, head width 16.
    int heads = 8;
    int group = 2;
    int t = 48;
    int hd = 16;
    SplittableRandom rnd = new SplittableRandom(SEED + 13);
    float[] q = random(rnd, heads * t * hd);
    float[] k = random(rnd, heads / group * t * hd);
    float[] v = random(rnd, heads / group * t * hd);
    float[] dO = random(rnd, heads * t * hd);
    float[][][] results = new float[2][][];
    for (int mode = 0; mode < 2; mode++) {
      Blas.onArrays(mode == 0);
      float[] probs = new float[heads * t * t];
      float[] o = new float[heads * t * hd];
      AttentionProducts.forward(q, k, v, heads, group, t, hd, 0.25f, probs, o);
      float[] dq = new float[heads * t * hd];
      float[] dk = new float[heads * t * hd];
      float[] dv = new float[heads * t * hd];
      AttentionProducts.backward(q, k, v, probs, dO, heads, group, t, hd, 0.25f, new float[heads * t * t], dq, dk,
          dv);
      results[mode] = new float[][] {probs, o, dq, dk, dv};
    }
    String[] names = {"probs", "o", "dq", "dk", "dv"};
    for (int i = 0; i < names.length; i++) {
      assertClose(results[0][i], results[1][i], 1e-6, precision + " attention " + names[i]);
    }
  }

  /** A LoRA layer's y, dx, dA and dB on the arrays and through copies agree within relTol. */
  private static void compareLayer(long seed, double relTol) {
    float[][][] results = new float[2][][];
    for (int mode = 0; mode < 2; mode++) {
      Blas.onArrays(mode == 0);
      results[mode] = layer(seed);
    }
    String[] names = {"y", "dx", "dA", "dB"};
    for (int i = 0; i < names.length; i++) {
      assertClose(results[0][i], results[1][i], relTol, names[i] + " (seed " + seed + ")");
    }
  }

  private static float[][] layer(long seed) {
    int in = 96;
    int out = 160;
    int rows = 300;
    SplittableRandom rnd = new SplittableRandom(seed);
    Linear linear = new Linear("layer", random(rnd, in * out), in, out, random(rnd, out));
    LoraModule lora = new LoraModule("layer", in, out, new LoraConfig(8, 16f, 0f, List.of("all-linear"), false, seed),
        new LoraInit(seed));
    float[] bv = lora.loraB().value();
    for (int i = 0; i < bv.length; i++) {
      bv[i] = (float) rnd.nextGaussian();
    }
    linear.setAdapter(lora);
    float[] x = random(rnd, rows * in);
    float[] dy = random(rnd, rows * out);
    Pass pass = Pass.training(3, 100, false, null);
    Object[] st = new Object[1];
    float[] y = linear.forward(x, pass, st, null);
    float[] dx = linear.backward(x, dy, st[0], pass, true, null);
    return new float[][] {y, dx, lora.loraA().grad().clone(), lora.loraB().grad().clone()};
  }

  private static void assertClose(float[] actual, float[] expected, double relTol, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double scale = 0;
    for (float v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertThat(scale).as(what + " is not all zero").isGreaterThan(0);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Math.abs(actual[i] - expected[i]) / scale).as(what + "[" + i + "]").isLessThanOrEqualTo(relTol);
    }
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }
}
