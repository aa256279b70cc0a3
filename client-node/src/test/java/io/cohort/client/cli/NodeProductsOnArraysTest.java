package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.lm.model.Blas;
import io.cohort.lm.model.NativeMatrix;
import java.net.URL;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The node's engine, loaded from lm-engine's jar as the node loads it, runs its products on pinned
 * Java arrays wherever the build compiled lm-engine's JNI shim (required under {@code bin/test} on a
 * machine with a C compiler, {@code COHORT_REQUIRE_PINNED=1}), and a product through it is right.
 */
class NodeProductsOnArraysTest {
  private static final long SEED = 20261207L;

  @Test
  void theEngineUsesTheShimItWasBuiltWith_andItsProductsAreRight() {
    URL shim = Blas.class.getResource("native/linux-x86_64/libcohort_pinned.so");
    System.out.println("lm-engine from " + Blas.class.getProtectionDomain().getCodeSource().getLocation()
        + "; shim " + shim + "; products on arrays: " + Blas.onArrays());
    if ("1".equals(System.getenv("COHORT_REQUIRE_PINNED"))) {
      assertThat(shim).as("lm-engine's jar carries the JNI shim (a C compiler is on this machine)").isNotNull();
    }
    assertThat(Blas.onArrays()).as("the shim in the build loads").isEqualTo(shim != null);

    SplittableRandom rnd = new SplittableRandom(SEED);
    int m = 300;
    int k = 64;
    int n = 96;
    float[] a = new float[m * k];
    float[] w = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    float[] c = new float[m * n];
    Blas.gemm(false, false, m, n, k, 1f, a, 0, k, new NativeMatrix(w, k, n), 0f, c, 0, n);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double expected = 0;
        for (int p = 0; p < k; p++) {
          expected += (double) a[i * k + p] * w[p * n + j];
        }
        assertThat(c[i * n + j]).as("C[%d][%d] (seed %d)", i, j, SEED).isCloseTo((float) expected,
            org.assertj.core.api.Assertions.within(1e-3f));
      }
    }
  }
}
