package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward_data;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_gelu_tanh;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The oneDNN alternative to the Java element-wise kernels, measured for the choice in
 * {@link Kernels}: gelu_tanh's backward pass as one oneDNN eltwise primitive over {@code n} values,
 * with the step's on-heap arrays copied off-heap and back (x and dy in, dx out). (Attention's softmax
 * does run on oneDNN, through {@link DnnlSoftmax}: see {@link Kernels#softmaxCausalBlock}.)
 * Called from {@link ElementwiseBenchmark} (one thread: OMP_NUM_THREADS=1, as the launchers set it).
 */
final class DnnlEltwiseProbe {
  private DnnlEltwiseProbe() {
  }

  /** Returns a runnable that does {@code dy *= gelu_new'(x)} for n values through oneDNN (with copies). */
  static Runnable geluBackward(float[] x, float[] dy, int n) {
    dnnl_memory_desc_t desc = new dnnl_memory_desc_t();
    Dnnl.check(dnnl_memory_desc_init_by_strides(desc, 1, new long[] {n}, dnnl_f32, new long[] {1}), "desc");
    dnnl_eltwise_desc_t fwd = new dnnl_eltwise_desc_t();
    Dnnl.check(dnnl_eltwise_forward_desc_init(fwd, dnnl_forward_training, dnnl_eltwise_gelu_tanh, desc, 0f, 0f), "fwd");
    dnnl_primitive_desc fwdPd = new dnnl_primitive_desc();
    Dnnl.check(dnnl_primitive_desc_create(fwdPd, new const_dnnl_op_desc_t(fwd), null, Dnnl.ENGINE, null), "fwd pd");
    dnnl_eltwise_desc_t bwd = new dnnl_eltwise_desc_t();
    Dnnl.check(dnnl_eltwise_backward_desc_init(bwd, dnnl_eltwise_gelu_tanh, desc, desc, 0f, 0f), "bwd");
    dnnl_primitive_desc bwdPd = new dnnl_primitive_desc();
    Dnnl.check(dnnl_primitive_desc_create(bwdPd, new const_dnnl_op_desc_t(bwd), null, Dnnl.ENGINE, fwdPd), "bwd pd");
    dnnl_primitive prim = new dnnl_primitive();
    Dnnl.check(dnnl_primitive_create(prim, bwdPd), "bwd primitive");
    FloatPointer src = new FloatPointer(n);
    FloatPointer diff = new FloatPointer(n);
    dnnl_memory mSrc = memory(desc, src);
    dnnl_memory mDiff = memory(desc, diff);
    dnnl_stream stream = new dnnl_stream();
    Dnnl.check(dnnl_stream_create(stream, Dnnl.ENGINE, dnnl_stream_default_flags), "stream");
    dnnl_exec_arg_t args = new dnnl_exec_arg_t(3);
    args.position(0).arg(DNNL_ARG_SRC).memory(mSrc);
    args.position(1).arg(DNNL_ARG_DIFF_DST).memory(mDiff);
    args.position(2).arg(DNNL_ARG_DIFF_SRC).memory(mDiff); // in place, as the Java kernel
    args.position(0);
    return () -> {
      src.position(0).put(x, 0, n);
      diff.position(0).put(dy, 0, n);
      Dnnl.check(dnnl_primitive_execute(prim, stream, 3, args), "gelu backward");
      Dnnl.check(dnnl_stream_wait(stream), "wait");
      diff.position(0).get(dy, 0, n);
    };
  }

  private static dnnl_memory memory(dnnl_memory_desc_t desc, FloatPointer data) {
    dnnl_memory m = new dnnl_memory();
    Dnnl.check(dnnl_memory_create(m, desc, Dnnl.ENGINE, data), "memory");
    return m;
  }
}
