package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_matmul_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_matmul_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * BF16 x BF16 -> FP32 matrix products on oneDNN's matmul primitive (AVX512_BF16 / AMX kernels, FP32
 * accumulation), and FP32 products where OpenBLAS would repack a large B on every call ({@link #f32}).
 * One primitive per product shape, created on first use and kept in the calling thread's cache:
 * creating one JIT-compiles its kernel (milliseconds), running one is the product itself. The cache
 * holds {@value #KERNELS_PER_THREAD} shapes per thread and destroys the least recently used beyond
 * that: batches of varying length make a new row count, and so a new shape, nearly every step.
 *
 * <p>Why oneDNN: the OpenBLAS builds on Maven Central (up to 0.3.31-1.5.13) are compiled without
 * {@code sbgemm}, and the JDK 17 Vector API has no BF16 dot product. oneDNN 2.5.2's JavaCPP build
 * uses the same JavaCPP (1.5.7) as ND4J and OpenBLAS.
 *
 * <p>Threads: a product's rows are split over {@link Parallel}'s threads, each running its block on
 * its own stream with its own scratchpad (user-managed scratchpads make concurrent runs of one
 * primitive safe). oneDNN's own OpenMP threads should then be one ({@code OMP_NUM_THREADS=1}, as
 * {@code bin/cohort-node} sets): OpenMP teams that spin beside OpenBLAS's and Java's threads on a
 * few cores wait for one another for milliseconds per product.
 */
final class Dnnl {
  /** Rows below which a product is not split over threads. */
  private static final int MIN_ROWS_PER_THREAD = 64;
  static final dnnl_engine ENGINE = new dnnl_engine();
  /** Product primitives kept per thread (at most this many each, least recently used destroyed first). */
  private static final int KERNELS_PER_THREAD = 64;
  private static final ThreadLocal<DnnlThread> PER_THREAD =
      ThreadLocal.withInitial(() -> new DnnlThread(KERNELS_PER_THREAD));

  static {
    check(dnnl_engine_create(ENGINE, dnnl_cpu, 0), "engine");
  }

  private Dnnl() {
  }

  /**
   * {@code C = A op(B)}: A [m, k] row-major FP32 with leading dimension lda, rounded to BF16 (nearest
   * even, by a oneDNN reorder) into {@code aBf16} (m k values); B BF16 row-major with leading
   * dimension ldb, [k, n] or (transB) [n, k]; C [m, n] FP32 with leading dimension n.
   */
  static void bf16(boolean transB, int m, int n, int k, FloatPointer a, int lda, ShortPointer aBf16,
      ShortPointer b, int ldb, FloatPointer c) {
    int parts = Math.max(1, Math.min(Parallel.threads(), m / MIN_ROWS_PER_THREAD));
    int per = (m + parts - 1) / parts;
    long aAddress = a.address() + a.position() * 4L;
    long hAddress = aBf16.address() + aBf16.position() * 2L;
    long cAddress = c.address() + c.position() * 4L;
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int from = p * per;
      int rows = Math.min(per, m - from);
      // Per thread and bounded, as for f32 below.
      product(transB, rows, n, k, lda, ldb, false).run(new At(aAddress + (long) from * lda * 4),
          new At(hAddress + (long) from * k * 2), b, null, new At(cAddress + (long) from * n * 4));
    });
  }

  /**
   * As {@link #bf16}, on the calling thread only (for callers that already split rows over the
   * engine's threads), plus an optional FP32 bias [n] added to every row inside the product.
   */
  static void bf16Rows(boolean transB, int m, int n, int k, FloatPointer a, int lda, ShortPointer aBf16,
      ShortPointer b, int ldb, FloatPointer bias, FloatPointer c) {
    product(transB, m, n, k, lda, ldb, bias != null).run(a, aBf16, b, bias, c);
  }

  /**
   * {@link #bf16Rows} with A and C the Java arrays themselves ({@link PinnedProducts}): A [m, k] from
   * {@code aOff} with leading dimension lda, C [m, n] dense from {@code cOff}; no copy of either.
   */
  static void bf16RowsOnArrays(boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
      ShortPointer aBf16, ShortPointer b, int ldb, FloatPointer bias, float[] c, int cOff) {
    product(transB, m, n, k, lda, ldb, bias != null).runOnArrays(a, aOff, aBf16, b, bias, c, cOff);
  }

  /** This thread's primitives for one BF16 product shape (per thread and bounded, as for f32 below). */
  private static Product product(boolean transB, int m, int n, int k, int lda, int ldb, boolean bias) {
    return (Product) PER_THREAD.get().kernels.computeIfAbsent("bf16 " + m + "x" + n + "x" + k + (transB ? "t" : "n")
        + lda + "," + ldb + (bias ? "+bias" : ""), key -> new Product(transB, m, n, k, lda, ldb, bias));
  }

  /**
   * {@code C = A op(B)} in FP32 on oneDNN's matmul, on the calling thread only (for
   * callers that already split rows over the engine's threads): A [m, k] with leading dimension lda,
   * B [k, n] or (transB) [n, k] with leading dimension ldb, C [m, n] with leading dimension n.
   * Used where OpenBLAS repacks a large B on every call (the output head: B is the whole
   * [vocab, width] embedding, the calls are blocks of a few dozen rows).
   */
  static void f32(boolean transB, int m, int n, int k, Pointer a, int lda, Pointer b, int ldb, Pointer c) {
    // Per thread, so that evicting (and destroying) a primitive never races another thread's use of
    // it; bounded, because a training run's batches vary in length and so in rows (one primitive
    // per distinct shape).
    F32Product product = (F32Product) PER_THREAD.get().kernels.computeIfAbsent("f32 " + m + "x" + n + "x" + k
        + (transB ? "t" : "n") + lda + "," + ldb, key -> new F32Product(transB, m, n, k, lda, ldb));
    product.run(a, b, c);
  }

  /** Queues a matmul primitive on its source, weights, destination and scratchpad (the caller waits). */
  private static void execute(dnnl_primitive matmul, dnnl_stream stream, dnnl_memory src, dnnl_memory weights,
      dnnl_memory dst, dnnl_memory scratch, String what) {
    try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(4)) {
      args.position(0).arg(DNNL_ARG_SRC).memory(src);
      args.position(1).arg(DNNL_ARG_WEIGHTS).memory(weights);
      args.position(2).arg(DNNL_ARG_DST).memory(dst);
      args.position(3).arg(DNNL_ARG_SCRATCHPAD).memory(scratch);
      args.position(0);
      check(dnnl_primitive_execute(matmul, stream, 4, args), what);
    }
  }

  static void check(int status, String what) {
    if (status != 0) {
      throw new IllegalStateException("oneDNN " + what + " failed with status " + status
          + (status == 3 ? " (unimplemented: this CPU may lack BF16 support; use compute.precision fp32)" : ""));
    }
  }

  private static dnnl_memory_desc_t desc(int type, long rows, long cols, long[] strides) {
    dnnl_memory_desc_t d = new dnnl_memory_desc_t();
    check(dnnl_memory_desc_init_by_strides(d, 2, new long[] {rows, cols}, type, strides), "memory descriptor");
    return d;
  }

  private static dnnl_primitive_attr userScratchpad() {
    dnnl_primitive_attr attr = new dnnl_primitive_attr();
    check(dnnl_primitive_attr_create(attr), "attributes");
    check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    return attr;
  }

  /** A pointer to an address, for arguments JavaCPP would otherwise offset by an unscaled position. */
  static final class At extends Pointer {
    At(long address) {
      this.address = address;
    }
  }

  /** One FP32 product shape's matmul primitive. */
  private static final class F32Product implements DnnlThread.Kernel {
    private final dnnl_memory_desc_t aDesc;
    private final dnnl_memory_desc_t bDesc;
    private final dnnl_memory_desc_t cDesc;
    private final dnnl_primitive matmul = new dnnl_primitive();
    private final dnnl_primitive_desc pd = new dnnl_primitive_desc();
    private final dnnl_memory_desc_t scratchDesc;

    F32Product(boolean transB, int m, int n, int k, int lda, int ldb) {
      aDesc = desc(dnnl_f32, m, k, new long[] {lda, 1});
      bDesc = desc(dnnl_f32, k, n, transB ? new long[] {1, ldb} : new long[] {ldb, 1});
      cDesc = desc(dnnl_f32, m, n, new long[] {n, 1});
      dnnl_primitive_attr attr = userScratchpad();
      dnnl_matmul_desc_t op = new dnnl_matmul_desc_t();
      check(dnnl_matmul_desc_init(op, aDesc, bDesc, null, cDesc), "matmul descriptor");
      check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(op), attr, ENGINE, null),
          "f32 matmul " + m + "x" + k + "x" + n);
      dnnl_primitive_attr_destroy(attr);
      check(dnnl_primitive_create(matmul, pd), "matmul primitive");
      scratchDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    }

    @Override
    public void destroy() {
      dnnl_primitive_destroy(matmul);
      dnnl_primitive_desc_destroy(pd);
    }

    void run(Pointer a, Pointer b, Pointer c) {
      DnnlThread t = PER_THREAD.get();
      BytePointer scratch = t.scratch(dnnl_memory_desc_get_size(scratchDesc));
      dnnl_memory ma = Product.memory(aDesc, a);
      dnnl_memory mb = Product.memory(bDesc, b);
      dnnl_memory mc = Product.memory(cDesc, c);
      dnnl_memory ms = Product.memory(scratchDesc, scratch);
      try {
        execute(matmul, t.stream, ma, mb, mc, ms, "f32 matmul");
        check(dnnl_stream_wait(t.stream), "stream wait");
      } finally {
        for (dnnl_memory x : new dnnl_memory[] {ma, mb, mc, ms}) {
          dnnl_memory_destroy(x);
        }
      }
    }
  }

  /** One product shape's reorder (A to BF16) and matmul primitives, and their descriptors. */
  private static final class Product implements DnnlThread.Kernel {
    private final dnnl_memory_desc_t aF32Desc;
    private final dnnl_memory_desc_t aDesc;
    private final dnnl_memory_desc_t bDesc;
    private final dnnl_memory_desc_t cDesc;
    private final dnnl_memory_desc_t biasDesc; // null without a bias
    private final dnnl_primitive round = new dnnl_primitive();
    private final dnnl_primitive matmul = new dnnl_primitive();
    private final dnnl_primitive_desc roundPd = new dnnl_primitive_desc();
    private final dnnl_primitive_desc matmulPd = new dnnl_primitive_desc();
    private final dnnl_memory_desc_t roundScratch;
    private final dnnl_memory_desc_t matmulScratch;

    Product(boolean transB, int m, int n, int k, int lda, int ldb, boolean bias) {
      aF32Desc = desc(dnnl_f32, m, k, new long[] {lda, 1});
      aDesc = desc(dnnl_bf16, m, k, new long[] {k, 1});
      bDesc = desc(dnnl_bf16, k, n, transB ? new long[] {1, ldb} : new long[] {ldb, 1});
      cDesc = desc(dnnl_f32, m, n, new long[] {n, 1});
      biasDesc = bias ? desc(dnnl_f32, 1, n, new long[] {n, 1}) : null;
      check(dnnl_reorder_primitive_desc_create(roundPd, aF32Desc, ENGINE, aDesc, ENGINE, userScratchpad()),
          "reorder to bf16");
      check(dnnl_primitive_create(round, roundPd), "reorder primitive");
      dnnl_matmul_desc_t op = new dnnl_matmul_desc_t();
      check(dnnl_matmul_desc_init(op, aDesc, bDesc, biasDesc, cDesc), "matmul descriptor");
      check(dnnl_primitive_desc_create(matmulPd, new const_dnnl_op_desc_t(op), userScratchpad(), ENGINE, null),
          "bf16 matmul " + m + "x" + k + "x" + n);
      check(dnnl_primitive_create(matmul, matmulPd), "matmul primitive");
      roundScratch = dnnl_primitive_desc_query_md(roundPd, dnnl_query_scratchpad_md, 0);
      matmulScratch = dnnl_primitive_desc_query_md(matmulPd, dnnl_query_scratchpad_md, 0);
    }

    @Override
    public void destroy() {
      dnnl_primitive_destroy(round);
      dnnl_primitive_destroy(matmul);
      dnnl_primitive_desc_destroy(roundPd);
      dnnl_primitive_desc_destroy(matmulPd);
    }

    /** Runs the product; {@code bias} must be given exactly when the primitive was made with one. */
    void run(Pointer aF32, Pointer a, Pointer b, Pointer bias, Pointer c) {
      DnnlThread t = PER_THREAD.get();
      BytePointer scratch = t.scratch(Math.max(dnnl_memory_desc_get_size(roundScratch),
          dnnl_memory_desc_get_size(matmulScratch)));
      dnnl_memory mf = memory(aF32Desc, aF32);
      dnnl_memory ma = memory(aDesc, a);
      dnnl_memory mb = memory(bDesc, b);
      dnnl_memory mc = memory(cDesc, c);
      dnnl_memory mbias = biasDesc == null ? null : memory(biasDesc, bias);
      dnnl_memory rs = memory(roundScratch, scratch);
      dnnl_memory ms = memory(matmulScratch, scratch);
      try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(5)) {
        args.position(0).arg(DNNL_ARG_FROM).memory(mf);
        args.position(1).arg(DNNL_ARG_TO).memory(ma);
        args.position(2).arg(DNNL_ARG_SCRATCHPAD).memory(rs);
        args.position(0);
        check(dnnl_primitive_execute(round, t.stream, 3, args), "reorder to bf16");
        if (mbias == null) {
          execute(matmul, t.stream, ma, mb, mc, ms, "matmul");
        } else {
          args.position(0).arg(DNNL_ARG_SRC).memory(ma);
          args.position(1).arg(DNNL_ARG_WEIGHTS).memory(mb);
          args.position(2).arg(DNNL_ARG_DST).memory(mc);
          args.position(3).arg(DNNL_ARG_SCRATCHPAD).memory(ms);
          args.position(4).arg(DNNL_ARG_BIAS).memory(mbias);
          args.position(0);
          check(dnnl_primitive_execute(matmul, t.stream, 5, args), "matmul with bias");
        }
        check(dnnl_stream_wait(t.stream), "stream wait");
      } finally {
        for (dnnl_memory x : new dnnl_memory[] {mf, ma, mb, mc, mbias, rs, ms}) {
          if (x != null) {
            dnnl_memory_destroy(x);
          }
        }
      }
    }

    /** As {@link #run}, reading A's FP32 rows from and writing C into Java arrays, pinned while it runs. */
    void runOnArrays(float[] a, int aOff, Pointer aBf16, Pointer b, Pointer bias, float[] c, int cOff) {
      try (PinnedRun run = new PinnedRun(PER_THREAD.get(), true)) {
        dnnl_memory ma = run.offHeap(aDesc, aBf16);
        run.step(round, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO, DNNL_ARG_SCRATCHPAD}, run.onArray(aF32Desc, a, aOff), ma,
            run.scratch(roundScratch));
        dnnl_memory mb = run.offHeap(bDesc, b);
        dnnl_memory mc = run.onArray(cDesc, c, cOff);
        dnnl_memory ms = run.scratch(matmulScratch);
        if (biasDesc == null) {
          run.step(matmul, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD}, ma, mb, mc, ms);
        } else {
          run.step(matmul, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD, DNNL_ARG_BIAS},
              ma, mb, mc, ms, run.offHeap(biasDesc, bias));
        }
        run.run("bf16 product on Java arrays");
      }
    }

    private static dnnl_memory memory(dnnl_memory_desc_t desc, Pointer data) {
      dnnl_memory m = new dnnl_memory();
      check(dnnl_memory_create(m, desc, ENGINE, data), "memory");
      return m;
    }
  }
}
