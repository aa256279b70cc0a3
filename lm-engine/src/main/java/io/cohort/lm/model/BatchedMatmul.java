package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_matmul_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_binary;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_output_scales;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_matmul_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Batched products {@code C[i] = alpha op(A[i]) op(B[i])} for {@code i < batch} as ONE oneDNN matmul
 * call on off-heap operands, on the calling thread, and the FP32 to BF16 rounding of a buffer (a
 * oneDNN reorder, round to nearest even). For attention's per-head products ({@link AttentionProducts}):
 * a call per head of a few MFLOP spends as much in its own overhead (operand copies, primitive
 * look-up, memory objects) as in the arithmetic; one call over a dozen heads pays it once.
 *
 * <p>Operands are described by strides ({batch, row, column}, in elements), so a transposed operand
 * is only a different stride, never a copy; C is dense [batch, m, n] FP32. BF16 products take both
 * operands as BF16 and accumulate in FP32 (oneDNN 2.5's matmul has no f32 x bf16 combination).
 * alpha is built into the primitive (output scales), so each distinct alpha is its own primitive.
 *
 * <p>Primitives are per thread and kept in a bounded least-recently-used cache, as in {@link Dnnl}
 * and for the same reasons (JIT compilation on creation; user scratchpads so concurrent threads never
 * share one). oneDNN's OpenMP team should be one thread ({@code OMP_NUM_THREADS=1}): the caller
 * already runs one chunk of heads per engine thread.
 */
final class BatchedMatmul {
  private static final int KERNELS_PER_THREAD = 64;
  private static final ThreadLocal<DnnlThread> PER_THREAD =
      ThreadLocal.withInitial(() -> new DnnlThread(KERNELS_PER_THREAD));

  private BatchedMatmul() {
  }

  /**
   * {@code C[i] = alpha op(A[i]) op(B[i])}: op(A) [m, k] read at {@code a} with strides {@code as},
   * op(B) [k, n] at {@code b} with strides {@code bs}, C [batch, m, n] dense FP32 at {@code c}.
   * Operands are FP32 ({@link FloatPointer}) or, when {@code bf16}, BF16 ({@link ShortPointer}).
   */
  static void run(boolean bf16, int batch, int m, int n, int k, long[] as, long[] bs, float alpha, Pointer a,
      Pointer b, FloatPointer c) {
    run(bf16, batch, m, n, k, as, bs, alpha, a, b, null, c);
  }

  /**
   * As {@link #run(boolean, int, int, int, int, long[], long[], float, Pointer, Pointer, FloatPointer)},
   * plus {@code add} (when not null), a dense FP32 [batch, m, n] tensor added to C inside the
   * product (a binary post-op, after alpha): attention's causal mask, 0 and -inf, so the scores come
   * out ready for the softmax without a pass of their own.
   */
  static void run(boolean bf16, int batch, int m, int n, int k, long[] as, long[] bs, float alpha, Pointer a,
      Pointer b, FloatPointer add, FloatPointer c) {
    product(bf16, batch, m, n, k, as, bs, alpha, add != null).run(PER_THREAD.get(), a, b, add, c);
  }

  /** This thread's primitive for a batched product (see {@link #run}), created on first use. */
  static Product product(boolean bf16, int batch, int m, int n, int k, long[] as, long[] bs, float alpha,
      boolean add) {
    // alpha by its bits: formatting a float (FloatingDecimal) on every call showed in profiles.
    String key = (bf16 ? "bf16 " : "f32 ") + batch + "x" + m + "x" + n + "x" + k + " a" + as[0] + "," + as[1] + ","
        + as[2] + " b" + bs[0] + "," + bs[1] + "," + bs[2] + " *" + Float.floatToIntBits(alpha)
        + (add ? " +add" : "");
    DnnlThread t = PER_THREAD.get();
    DnnlThread.Kernel kernel = t.kernels.get(key);
    if (kernel == null) {
      kernel = new Product(bf16, batch, m, n, k, as, bs, alpha, add);
      t.kernels.put(key, kernel);
    }
    return (Product) kernel;
  }

  /** This thread's FP32 to BF16 rounding of n contiguous values, created on first use. */
  static Round round(long n) {
    DnnlThread t = PER_THREAD.get();
    String key = "round " + n;
    DnnlThread.Kernel kernel = t.kernels.get(key);
    if (kernel == null) {
      kernel = new Round(n);
      t.kernels.put(key, kernel);
    }
    return (Round) kernel;
  }

  /** This thread's stream and scratchpad (the one the primitives above are run with). */
  static DnnlThread thread() {
    return PER_THREAD.get();
  }

  /** {@code dst[0, n) = bf16(src[0, n))}, rounded to nearest even, on the calling thread. */
  static void toBf16(FloatPointer src, ShortPointer dst, long n) {
    round(n).run(PER_THREAD.get(), src, dst);
  }

  private static dnnl_memory_desc_t desc(int type, long[] dims, long[] strides) {
    dnnl_memory_desc_t d = new dnnl_memory_desc_t();
    Dnnl.check(dnnl_memory_desc_init_by_strides(d, dims.length, dims, type, strides), "memory descriptor");
    return d;
  }

  private static dnnl_primitive_attr attr(float alpha) {
    dnnl_primitive_attr attr = new dnnl_primitive_attr();
    Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
    Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    if (alpha != 1f) {
      Dnnl.check(dnnl_primitive_attr_set_output_scales(attr, 1, 0, new float[] {alpha}), "output scales");
    }
    return attr;
  }

  private static dnnl_memory memory(dnnl_memory_desc_t desc, Pointer data) {
    dnnl_memory m = new dnnl_memory();
    Dnnl.check(dnnl_memory_create(m, desc, Dnnl.ENGINE, data), "memory");
    return m;
  }

  /** Runs a primitive with the given (argument, memory) pairs on the thread's stream and waits. */
  private static void execute(DnnlThread t, dnnl_primitive p, int[] argIds, dnnl_memory[] mems, String what) {
    try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(argIds.length)) {
      for (int i = 0; i < argIds.length; i++) {
        args.position(i).arg(argIds[i]).memory(mems[i]);
      }
      args.position(0);
      Dnnl.check(dnnl_primitive_execute(p, t.stream, argIds.length, args), what);
      Dnnl.check(dnnl_stream_wait(t.stream), "stream wait");
    } finally {
      for (dnnl_memory m : mems) {
        dnnl_memory_destroy(m);
      }
    }
  }

  /** One batched product shape's matmul primitive. */
  static final class Product implements DnnlThread.Kernel {
    final dnnl_memory_desc_t aDesc;
    final dnnl_memory_desc_t bDesc;
    final dnnl_memory_desc_t cDesc;
    final dnnl_memory_desc_t addDesc; // null without an addend
    final dnnl_memory_desc_t scratchDesc;
    private final dnnl_primitive_desc pd = new dnnl_primitive_desc();
    final dnnl_primitive matmul = new dnnl_primitive();

    Product(boolean bf16, int batch, int m, int n, int k, long[] as, long[] bs, float alpha, boolean add) {
      int type = bf16 ? dnnl_bf16 : dnnl_f32;
      aDesc = desc(type, new long[] {batch, m, k}, as);
      bDesc = desc(type, new long[] {batch, k, n}, bs);
      cDesc = desc(dnnl_f32, new long[] {batch, m, n}, new long[] {(long) m * n, n, 1});
      dnnl_primitive_attr attr = attr(alpha);
      // The addend is a full [batch, m, n] tensor: broadcast over the batch ({1, m, n}) it has only
      // oneDNN 2.5's reference kernel (ref:any, DNNL_VERBOSE), many times slower than brgemm.
      addDesc = add ? cDesc : null;
      if (add) {
        dnnl_post_ops ops = new dnnl_post_ops();
        Dnnl.check(dnnl_post_ops_create(ops), "post-ops");
        Dnnl.check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, addDesc), "binary post-op");
        Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops attribute");
        dnnl_post_ops_destroy(ops);
      }
      dnnl_matmul_desc_t op = new dnnl_matmul_desc_t();
      Dnnl.check(dnnl_matmul_desc_init(op, aDesc, bDesc, null, cDesc), "matmul descriptor");
      Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(op), attr, Dnnl.ENGINE, null),
          "batched matmul " + batch + "x" + m + "x" + k + "x" + n);
      dnnl_primitive_attr_destroy(attr);
      Dnnl.check(dnnl_primitive_create(matmul, pd), "matmul primitive");
      scratchDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    }

    void run(DnnlThread t, Pointer a, Pointer b, FloatPointer add, FloatPointer c) {
      BytePointer scratch = t.scratch(dnnl_memory_desc_get_size(scratchDesc));
      if (addDesc == null) {
        execute(t, matmul, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD},
            new dnnl_memory[] {memory(aDesc, a), memory(bDesc, b), memory(cDesc, c), memory(scratchDesc, scratch)},
            "batched matmul");
        return;
      }
      execute(t, matmul, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD,
          DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1},
          new dnnl_memory[] {memory(aDesc, a), memory(bDesc, b), memory(cDesc, c), memory(scratchDesc, scratch),
              memory(addDesc, add)}, "batched matmul with addend");
    }

    /** Appends this product to {@code run}: C = alpha op(A) op(B) (+ add), scratch its scratchpad. */
    void step(PinnedRun run, dnnl_memory a, dnnl_memory b, dnnl_memory add, dnnl_memory c, dnnl_memory scratch) {
      if (add == null) {
        run.step(matmul, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD}, a, b, c,
            scratch);
      } else {
        run.step(matmul, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD,
            DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1}, a, b, c, scratch, add);
      }
    }

    long scratchBytes() {
      return dnnl_memory_desc_get_size(scratchDesc);
    }

    @Override
    public void destroy() {
      dnnl_primitive_destroy(matmul);
      dnnl_primitive_desc_destroy(pd);
    }
  }

  /** FP32 to BF16 rounding of n contiguous values. */
  static final class Round implements DnnlThread.Kernel {
    final dnnl_memory_desc_t from;
    final dnnl_memory_desc_t to;
    final dnnl_memory_desc_t scratchDesc;
    private final dnnl_primitive_desc pd = new dnnl_primitive_desc();
    final dnnl_primitive reorder = new dnnl_primitive();

    Round(long n) {
      from = desc(dnnl_f32, new long[] {n}, new long[] {1});
      to = desc(dnnl_bf16, new long[] {n}, new long[] {1});
      dnnl_primitive_attr attr = attr(1f);
      Dnnl.check(dnnl_reorder_primitive_desc_create(pd, from, Dnnl.ENGINE, to, Dnnl.ENGINE, attr), "reorder to bf16");
      dnnl_primitive_attr_destroy(attr);
      Dnnl.check(dnnl_primitive_create(reorder, pd), "reorder primitive");
      scratchDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    }

    void run(DnnlThread t, FloatPointer src, ShortPointer dst) {
      BytePointer scratch = t.scratch(dnnl_memory_desc_get_size(scratchDesc));
      execute(t, reorder, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO, DNNL_ARG_SCRATCHPAD},
          new dnnl_memory[] {memory(from, src), memory(to, dst), memory(scratchDesc, scratch)}, "reorder to bf16");
    }

    /** Appends this rounding to {@code run}: to = bf16(from), scratch its scratchpad. */
    void step(PinnedRun run, dnnl_memory from, dnnl_memory to, dnnl_memory scratch) {
      run.step(reorder, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO, DNNL_ARG_SCRATCHPAD}, from, to, scratch);
    }

    long scratchBytes() {
      return dnnl_memory_desc_get_size(scratchDesc);
    }

    @Override
    public void destroy() {
      dnnl_primitive_destroy(reorder);
      dnnl_primitive_desc_destroy(pd);
    }
  }

}
