package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_softmax_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_softmax_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_softmax_desc_t;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Row-wise softmax of a block of logit rows on oneDNN's JIT softmax (AVX-512 where the CPU has it).
 * A causal-LM step takes one softmax over the whole vocabulary (50,257 entries for GPT-2, 128 k for
 * Llama 3) per predicted token; the JDK 17 JIT does not vectorise an exponential, so the scalar loop
 * in {@code NextTokenLoss} spent 4–10 ns per logit where oneDNN takes under 1 (docs/benchmarks.md).
 *
 * <p>The caller's rows are copied to a thread's off-heap {@code src} buffer, the softmax written to
 * its {@code dst} buffer; {@code src} keeps the logits so that a row whose target probability
 * underflows can still be scored exactly. One primitive per (rows, vocab) shape and thread, created
 * on first use (JIT compilation, milliseconds) and kept in that thread's cache of
 * {@value #PRIMITIVES_PER_THREAD} shapes (the least recently used destroyed beyond that). Per thread
 * because a primitive's library-managed scratchpad is not safe to share between concurrent runs:
 * engine threads run the same shape at once (attention's heads, the loss's row blocks), and a shared
 * primitive gave wrong probabilities now and then (a greedy-generation parity test failed in a full
 * module run, not alone).
 *
 * <p>{@link #available()} is false where oneDNN cannot load or has no softmax for this CPU, and under
 * {@code -Dcohort.softmax=java}, which keeps the scalar path (for A/B benchmarks and tests).
 */
public final class DnnlSoftmax {
  private static final Logger LOG = Logger.getLogger(DnnlSoftmax.class.getName());
  private static final boolean AVAILABLE = probe();
  private static final int PRIMITIVES_PER_THREAD = 64;
  private static final Map<Long, dnnl_memory_desc_t> DESCS = new ConcurrentHashMap<>();
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private DnnlSoftmax() {}

  public static boolean available() {
    return AVAILABLE;
  }

  /**
   * One thread's view of a softmax over {@code rows} rows of {@code logits} starting at row
   * {@code firstRow} ([*, vocab], row-major): {@link #run} computes it off-heap; the caller then reads
   * probabilities, the original logits of a row, or copies the probabilities back.
   */
  public static Block block(float[] logits, int firstRow, int rows, int vocab) {
    return new Block(logits, firstRow, rows, vocab);
  }

  /** A block of rows whose softmax lives in the calling thread's off-heap buffers. */
  public static final class Block {
    private final float[] logits;
    private final int offset;
    private final int rows;
    private final int vocab;
    private final Buffers buffers;

    private Block(float[] logits, int firstRow, int rows, int vocab) {
      this.logits = logits;
      this.offset = firstRow * vocab;
      this.rows = rows;
      this.vocab = vocab;
      this.buffers = BUFFERS.get();
      buffers.ensure((long) rows * vocab);
      buffers.src.position(0).put(logits, offset, rows * vocab);
      run(buffers.src, buffers.dst, rows, vocab);
    }

    /** The softmax probability of entry {@code c} of row {@code r} (0-based within the block). */
    public float probability(int r, int c) {
      return buffers.dst.get((long) r * vocab + c);
    }

    /** Row {@code r}'s logits as they were given (the caller's array may have been overwritten since). */
    public float[] originalRow(int r) {
      float[] row = new float[vocab];
      buffers.src.position((long) r * vocab).get(row, 0, vocab);
      buffers.src.position(0);
      return row;
    }

    /** Overwrites the block's rows in the caller's array with their probabilities. */
    public void copyProbabilitiesBack() {
      buffers.dst.position(0).get(logits, offset, rows * vocab);
    }
  }

  /**
   * {@code dst = softmax(src)} row by row for {@code rows} rows of {@code vocab} off-heap floats from
   * each pointer's position, on the calling thread's stream; src and dst may be the same buffer.
   */
  static void run(FloatPointer src, FloatPointer dst, int rows, int vocab) {
    long key = ((long) rows << 32) | vocab;
    dnnl_memory_desc_t desc = DESCS.computeIfAbsent(key, k -> desc(rows, vocab));
    Buffers buffers = BUFFERS.get();
    dnnl_primitive softmax = buffers.primitives.computeIfAbsent(key, k -> primitive(desc));
    dnnl_memory in = memory(desc, src);
    dnnl_memory out = memory(desc, dst);
    try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(2)) {
      args.position(0).arg(DNNL_ARG_SRC).memory(in);
      args.position(1).arg(DNNL_ARG_DST).memory(out);
      args.position(0);
      dnnl_stream stream = buffers.stream;
      Dnnl.check(dnnl_primitive_execute(softmax, stream, 2, args), "softmax");
      Dnnl.check(dnnl_stream_wait(stream), "stream wait");
    } finally {
      dnnl_memory_destroy(in);
      dnnl_memory_destroy(out);
    }
  }

  /**
   * The softmax's backward pass {@code dS = P (dP - sum(P dP))} row by row for {@code rows} rows of
   * {@code cols} off-heap floats (P the softmax's output, dP the gradient of it), on the calling
   * thread's stream; dS is a buffer of its own. Entries where P is 0 (a causal mask's) get 0.
   */
  static void backward(FloatPointer p, FloatPointer dP, FloatPointer dS, int rows, int cols) {
    long key = ((long) rows << 32) | cols;
    dnnl_memory_desc_t desc = DESCS.computeIfAbsent(key, k -> desc(rows, cols));
    Buffers buffers = BUFFERS.get();
    // Keys with the top bit set: backward primitives, beside the forward ones in the same cache.
    dnnl_primitive softmax = buffers.primitives.computeIfAbsent(key | Long.MIN_VALUE, k -> backwardPrimitive(desc));
    dnnl_memory dst = memory(desc, p);
    dnnl_memory diffDst = memory(desc, dP);
    dnnl_memory diffSrc = memory(desc, dS);
    try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(3)) {
      args.position(0).arg(DNNL_ARG_DST).memory(dst);
      args.position(1).arg(DNNL_ARG_DIFF_DST).memory(diffDst);
      args.position(2).arg(DNNL_ARG_DIFF_SRC).memory(diffSrc);
      args.position(0);
      dnnl_stream stream = buffers.stream;
      Dnnl.check(dnnl_primitive_execute(softmax, stream, 3, args), "softmax backward");
      Dnnl.check(dnnl_stream_wait(stream), "stream wait");
    } finally {
      dnnl_memory_destroy(dst);
      dnnl_memory_destroy(diffDst);
      dnnl_memory_destroy(diffSrc);
    }
  }

  /** The descriptor of {@code rows} dense FP32 rows of {@code cols} (shared, cached). */
  static dnnl_memory_desc_t rowsDesc(int rows, int cols) {
    return DESCS.computeIfAbsent(((long) rows << 32) | cols, k -> desc(rows, cols));
  }

  /** This thread's forward softmax primitive over rows of {@code cols} (for a {@link PinnedRun}). */
  static dnnl_primitive forwardPrimitive(int rows, int cols) {
    long key = ((long) rows << 32) | cols;
    return BUFFERS.get().primitives.computeIfAbsent(key, k -> primitive(rowsDesc(rows, cols)));
  }

  /** This thread's backward softmax primitive over rows of {@code cols} (for a {@link PinnedRun}). */
  static dnnl_primitive backwardPrimitive(int rows, int cols) {
    long key = ((long) rows << 32) | cols;
    return BUFFERS.get().primitives.computeIfAbsent(key | Long.MIN_VALUE, k -> backwardPrimitive(rowsDesc(rows, cols)));
  }

  private static dnnl_primitive backwardPrimitive(dnnl_memory_desc_t desc) {
    dnnl_softmax_desc_t forward = new dnnl_softmax_desc_t();
    Dnnl.check(dnnl_softmax_forward_desc_init(forward, dnnl_forward_training, desc, 1), "softmax descriptor");
    dnnl_primitive_desc hint = new dnnl_primitive_desc();
    Dnnl.check(dnnl_primitive_desc_create(hint, new const_dnnl_op_desc_t(forward), null, Dnnl.ENGINE, null),
        "softmax forward hint");
    dnnl_softmax_desc_t op = new dnnl_softmax_desc_t();
    Dnnl.check(dnnl_softmax_backward_desc_init(op, desc, desc, 1), "softmax backward descriptor");
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(op), null, Dnnl.ENGINE, hint),
        "softmax backward primitive descriptor");
    dnnl_primitive p = new dnnl_primitive();
    Dnnl.check(dnnl_primitive_create(p, pd), "softmax backward primitive");
    dnnl_primitive_desc_destroy(pd); // the primitive keeps what it needs
    dnnl_primitive_desc_destroy(hint);
    return p;
  }

  private static boolean probe() {
    if ("java".equals(System.getProperty("cohort.softmax"))) {
      return false;
    }
    try {
      primitive(desc(1, 8));
      return true;
    } catch (Throwable e) { // no native library for this platform, or no softmax for this CPU
      LOG.log(Level.FINE, "oneDNN softmax unavailable, using the Java loop", e);
      return false;
    }
  }

  private static dnnl_memory_desc_t desc(int rows, int vocab) {
    dnnl_memory_desc_t d = new dnnl_memory_desc_t();
    Dnnl.check(dnnl_memory_desc_init_by_strides(d, 2, new long[] {rows, vocab}, dnnl_f32, new long[] {vocab, 1}),
        "memory descriptor");
    return d;
  }

  private static dnnl_primitive primitive(dnnl_memory_desc_t desc) {
    dnnl_softmax_desc_t op = new dnnl_softmax_desc_t();
    Dnnl.check(dnnl_softmax_forward_desc_init(op, dnnl_forward_inference, desc, 1), "softmax descriptor");
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(op), null, Dnnl.ENGINE, null),
        "softmax primitive descriptor");
    dnnl_primitive p = new dnnl_primitive();
    Dnnl.check(dnnl_primitive_create(p, pd), "softmax primitive");
    return p;
  }

  private static dnnl_memory memory(dnnl_memory_desc_t desc, FloatPointer data) {
    dnnl_memory m = new dnnl_memory();
    // By address: JavaCPP does not scale a FloatPointer's position to floats for a void* argument
    // (a softmax over rows from a positioned view read the wrong rows; found in session 11).
    Dnnl.check(dnnl_memory_create(m, desc, Dnnl.ENGINE, new Dnnl.At(data.address() + data.position() * Float.BYTES)),
        "memory");
    return m;
  }

  /** A thread's stream, primitives and off-heap buffers (grown to the largest block it has seen). */
  private static final class Buffers {
    final dnnl_stream stream = new dnnl_stream();
    final Map<Long, dnnl_primitive> primitives = new java.util.LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, dnnl_primitive> eldest) {
        if (size() > PRIMITIVES_PER_THREAD) {
          dnnl_primitive_destroy(eldest.getValue());
          return true;
        }
        return false;
      }
    };
    FloatPointer src = new FloatPointer(1);
    FloatPointer dst = new FloatPointer(1);

    Buffers() {
      Dnnl.check(dnnl_stream_create(stream, Dnnl.ENGINE, dnnl_stream_default_flags), "stream");
    }

    void ensure(long floats) {
      if (src.capacity() < floats) {
        src.deallocate();
        dst.deallocate();
        src = new FloatPointer(floats);
        dst = new FloatPointer(floats);
      }
    }
  }
}
