package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.LlamaCheckpoint;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Frozen weights that are exactly BF16 stay BF16 off-heap, and products with them are those of F32. */
class NativeMatrixTest {
  private static final long SEED = 20261206L;

  private static float[] random(SplittableRandom r, int n, boolean bf16) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      float x = (float) r.nextGaussian();
      v[i] = bf16 ? Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xFFFF0000) : x;
    }
    return v;
  }

  @Test
  void bf16Values_areStoredAsBf16_andEveryProductEqualsTheF32ProductBitForBit() {
    SplittableRandom r = new SplittableRandom(SEED);
    int k = 70;
    int n = 1000; // 70,000 values: more than one widening chunk
    float[] w = random(r, k * n, true);
    NativeMatrix bf = new NativeMatrix(w, k, n);
    assertThat(bf.storedAsBf16()).as("seed %d", SEED).isTrue();
    assertThat(bf.storedBytes()).isEqualTo(2L * k * n);
    assertThat(bf.toArray()).as("seed %d", SEED).containsExactly(w);
    NativeMatrix other = new NativeMatrix(random(r, 12, true), 3, 4); // widening another matrix in between
    int m = 5;
    float[] a = random(r, m * k, false);
    float[] viaBf16 = new float[m * n];
    float[] viaHeap = new float[m * n];
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, bf, 0f, viaBf16, 0, n);
    assertThat(other.toArray()).hasSize(12);
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, w, 0, n, 0f, viaHeap, 0, n);
    assertThat(viaBf16).as("seed %d", SEED).containsExactly(viaHeap);
    float[] bias = random(r, n, false);
    float[] withBias = new float[m * n];
    Blas.gemmBias(m, n, k, a, bf, bias, withBias);
    float[] withBiasF32 = new float[m * n];
    for (int row = 0; row < m; row++) {
      System.arraycopy(bias, 0, withBiasF32, row * n, n);
    }
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, w, 0, n, 1f, withBiasF32, 0, n);
    assertThat(withBias).as("seed %d", SEED).containsExactly(withBiasF32);
  }

  /**
   * Threads widening one BF16-stored matrix at the same time (a decode step's output head is sliced
   * over the engine's threads, and the causal-LM loss's row blocks each widen the head) each get the
   * matrix's values, and a gemv over it equals the heap product. The shared pointer's position once
   * moved during widening, so concurrent widenings read each other's chunks (GreedyParityTest's
   * tiny-qwen3 KV-cache run chose a wrong token about once in 200 runs).
   */
  @Test
  void concurrentWideningOfOneBf16Matrix_givesEveryThreadTheValues() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED + 3);
    int rows = 2000;
    int cols = 300; // 600,000 values: ten widening chunks
    float[] w = random(r, rows * cols, true);
    NativeMatrix bf = new NativeMatrix(w, rows, cols);
    int threads = 4;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          float[] got = new float[w.length];
          start.await();
          for (int round = 0; round < 20; round++) {
            bf.pointer().get(got, 0, got.length);
            for (int i = 0; i < w.length; i++) {
              if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(w[i])) {
                return "round " + round + " value " + i + ": " + got[i] + " instead of " + w[i];
              }
            }
          }
          return null;
        }));
      }
      for (java.util.concurrent.Future<String> f : results) {
        assertThat(f.get()).as("seed %d", SEED + 3).isNull();
      }
    } finally {
      pool.shutdownNow();
    }
    float[] v = random(r, cols, false);
    float[] viaGemv = new float[rows];
    Parallel.setThreads(2);
    try {
      Blas.gemv(bf, v, 0, viaGemv, 0);
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
    float[] viaHeap = new float[rows];
    Blas.gemm(false, true, 1, rows, cols, 1f, v, 0, cols, w, 0, cols, 0f, viaHeap, 0, rows);
    for (int i = 0; i < rows; i++) {
      assertThat(viaGemv[i]).as("gemv row %d seed %d", i, SEED + 3).isCloseTo(viaHeap[i],
          org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(viaHeap[i]))));
    }
  }

  @Test
  void f32Values_stayF32() {
    NativeMatrix m = new NativeMatrix(random(new SplittableRandom(SEED), 64, false), 8, 8);
    assertThat(m.storedAsBf16()).isFalse();
    assertThat(m.storedBytes()).isEqualTo(4L * 64);
  }

  @Test
  void aBf16Checkpoints_linearLayersTakeHalfTheMemory() throws Exception {
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(Path.of("..", "examples", "llama",
        "tiny-llama3")));
    assertThat(model.linears().values()).allSatisfy(l -> assertThat(l.weight().storedAsBf16()).as(l.path()).isTrue());
    LlamaModel f32 = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(Path.of("..", "examples", "llama",
        "tiny-mistral")));
    assertThat(f32.linears().values()).allSatisfy(l -> assertThat(l.weight().storedAsBf16()).as(l.path()).isFalse());
  }
}
