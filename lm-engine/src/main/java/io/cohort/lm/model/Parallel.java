package io.cohort.lm.model;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Splits element-wise work (layer norms, activations, softmax) over a fixed number of threads.
 * One pool, sized once, so benchmarks can compare like for like with a fixed thread count.
 */
public final class Parallel {
  private static volatile ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
  /** Below this many rows × width a loop runs on the calling thread: forking would cost more. */
  private static final long MIN_WORK = 1 << 15;

  private Parallel() {
  }

  /** Sets the threads for Java loops and for products (sliced over them, see Blas). */
  public static synchronized void setThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    ForkJoinPool old = pool;
    pool = new ForkJoinPool(threads);
    old.shutdown();
  }

  public static int threads() {
    return pool.getParallelism();
  }

  /** Runs {@code body} for each index in [0, n); {@code width} is the work per index, to decide whether to fork. */
  public static void forEach(int n, long width, IntConsumer body) {
    // Inside a task already (e.g. a product within a per-head attention task): run inline, never
    // wait on the pool from one of its own workers.
    if (pool.getParallelism() == 1 || (long) n * width < MIN_WORK || n == 1
        || Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread) {
      for (int i = 0; i < n; i++) {
        body.accept(i);
      }
      return;
    }
    try {
      pool.submit(() -> IntStream.range(0, n).parallel().forEach(body)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }
}
