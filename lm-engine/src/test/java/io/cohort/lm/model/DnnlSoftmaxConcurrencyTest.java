package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Engine threads run oneDNN's softmax on the same shape at the same time (attention's heads, the
 * loss's row blocks): each thread's result must be what the same input gives alone. A primitive
 * shared between threads (library-managed scratchpad) broke this now and then.
 */
class DnnlSoftmaxConcurrencyTest {
  private static final long SEED = 20261207L;

  @Test
  void concurrentRunsOfOneShape_giveEachThreadItsOwnResult() throws Exception {
    assumeTrue(DnnlSoftmax.available(), "oneDNN softmax not available here (the Java path is used)");
    int threads = 4;
    int[][] shapes = {{128, 128}, {64, 50257}, {7, 33}};
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int[] shape : shapes) {
        int rows = shape[0];
        int cols = shape[1];
        List<float[]> inputs = new ArrayList<>();
        List<float[]> alone = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(SEED + rows);
        for (int t = 0; t < threads; t++) {
          float[] x = new float[rows * cols];
          for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 4);
          }
          inputs.add(x);
          float[] y = x.clone();
          DnnlSoftmax.block(y, 0, rows, cols).copyProbabilitiesBack();
          alone.add(y);
        }
        for (int repeat = 0; repeat < (cols > 1000 ? 10 : 300); repeat++) {
          CountDownLatch start = new CountDownLatch(1);
          List<Future<float[]>> results = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            float[] x = inputs.get(t).clone();
            results.add(pool.submit(() -> {
              start.await();
              DnnlSoftmax.block(x, 0, rows, cols).copyProbabilitiesBack();
              return x;
            }));
          }
          start.countDown();
          for (int t = 0; t < threads; t++) {
            float[] got = results.get(t).get();
            float[] want = alone.get(t);
            int differing = 0;
            int first = -1;
            for (int i = 0; i < want.length; i++) {
              if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                differing++;
                first = first < 0 ? i : first;
              }
            }
            assertThat(differing).as("seed %d, shape %dx%d, repeat %d, thread %d: entries unlike the run alone (first"
                + " at %d)", SEED, rows, cols, repeat, t, first).isZero();
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
