package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_matmul_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_matmul_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * BF16 x BF16 -> FP32 matrix products on oneDNN's matmul primitive (AVX512_BF16 / AMX kernels, FP32
 * accumulation). One primitive per product shape, created on first use and kept: creating one
 * JIT-compiles its kernel (milliseconds), running one is the product itself.
 *
 * <p>Why oneDNN: the OpenBLAS builds on Maven Central (up to 0.3.31-1.5.13) are compiled without
 * {@code sbgemm}, and the JDK 17 Vector API has no BF16 dot product. oneDNN 2.5.2's JavaCPP build
 * uses the same JavaCPP (1.5.7) as ND4J and OpenBLAS. Its threads are OpenMP's
 * ({@code OMP_NUM_THREADS}, all cores by default), not {@link Parallel#threads()}.
 */
final class Dnnl {
  private static final dnnl_engine ENGINE = new dnnl_engine();
  private static final dnnl_stream STREAM = new dnnl_stream();
  private static final Map<String, Product> PRODUCTS = new ConcurrentHashMap<>();

  static {
    check(dnnl_engine_create(ENGINE, dnnl_cpu, 0), "engine");
    check(dnnl_stream_create(STREAM, ENGINE, dnnl_stream_default_flags), "stream");
  }

  private Dnnl() {
  }

  /**
   * {@code C = A op(B)}: A [m, k] row-major FP32 with leading dimension lda, rounded to BF16 (nearest
   * even, by a oneDNN reorder) into {@code aBf16} (m k values); B BF16 row-major with leading
   * dimension ldb, [k, n] or (transB) [n, k]; C [m, n] FP32 with leading dimension n. Serialised:
   * one stream, and primitives share oneDNN's library-managed scratchpad.
   */
  static synchronized void bf16(boolean transB, int m, int n, int k, FloatPointer a, int lda, ShortPointer aBf16,
      ShortPointer b, int ldb, FloatPointer c) {
    Product p = PRODUCTS.computeIfAbsent(m + "x" + n + "x" + k + (transB ? "t" : "n") + lda + "," + ldb,
        key -> new Product(transB, m, n, k, lda, ldb));
    p.run(a, aBf16, b, c);
  }

  private static void check(int status, String what) {
    if (status != 0) {
      throw new IllegalStateException("oneDNN " + what + " failed with status " + status);
    }
  }

  private static dnnl_memory_desc_t desc(int type, long rows, long cols, long[] strides) {
    dnnl_memory_desc_t d = new dnnl_memory_desc_t();
    check(dnnl_memory_desc_init_by_strides(d, 2, new long[] {rows, cols}, type, strides), "memory descriptor");
    return d;
  }

  /** One product shape's primitive and descriptors. */
  private static final class Product {
    private final dnnl_memory_desc_t aF32Desc;
    private final dnnl_primitive round = new dnnl_primitive();
    private final dnnl_memory_desc_t aDesc;
    private final dnnl_memory_desc_t bDesc;
    private final dnnl_memory_desc_t cDesc;
    private final dnnl_primitive primitive = new dnnl_primitive();

    Product(boolean transB, int m, int n, int k, int lda, int ldb) {
      aF32Desc = desc(dnnl_f32, m, k, new long[] {lda, 1});
      aDesc = desc(dnnl_bf16, m, k, new long[] {k, 1});
      dnnl_primitive_desc rd = new dnnl_primitive_desc();
      check(dnnl_reorder_primitive_desc_create(rd, aF32Desc, ENGINE, aDesc, ENGINE, null), "reorder to bf16");
      check(dnnl_primitive_create(round, rd), "reorder primitive");
      dnnl_primitive_desc_destroy(rd);
      bDesc = desc(dnnl_bf16, k, n, transB ? new long[] {1, ldb} : new long[] {ldb, 1});
      cDesc = desc(dnnl_f32, m, n, new long[] {n, 1});
      dnnl_matmul_desc_t op = new dnnl_matmul_desc_t();
      check(dnnl_matmul_desc_init(op, aDesc, bDesc, null, cDesc), "matmul descriptor");
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(op), null, ENGINE, null), "matmul "
          + m + "x" + n + "x" + k);
      check(dnnl_primitive_create(primitive, pd), "matmul primitive");
      dnnl_primitive_desc_destroy(pd);
    }

    void run(Pointer aF32, Pointer a, Pointer b, Pointer c) {
      dnnl_memory mf = memory(aF32Desc, aF32);
      dnnl_memory ma = memory(aDesc, a);
      dnnl_memory mb = memory(bDesc, b);
      dnnl_memory mc = memory(cDesc, c);
      try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(3)) {
        args.position(0).arg(DNNL_ARG_FROM).memory(mf);
        args.position(1).arg(DNNL_ARG_TO).memory(ma);
        args.position(0);
        check(dnnl_primitive_execute(round, STREAM, 2, args), "reorder to bf16");
        args.position(0).arg(DNNL_ARG_SRC).memory(ma);
        args.position(1).arg(DNNL_ARG_WEIGHTS).memory(mb);
        args.position(2).arg(DNNL_ARG_DST).memory(mc);
        args.position(0);
        check(dnnl_primitive_execute(primitive, STREAM, 3, args), "matmul");
        check(dnnl_stream_wait(STREAM), "stream wait");
      } finally {
        dnnl_memory_destroy(mf);
        dnnl_memory_destroy(ma);
        dnnl_memory_destroy(mb);
        dnnl_memory_destroy(mc);
      }
    }

    private static dnnl_memory memory(dnnl_memory_desc_t desc, Pointer data) {
      dnnl_memory m = new dnnl_memory();
      check(dnnl_memory_create(m, desc, ENGINE, data), "memory");
      return m;
    }
  }
}
