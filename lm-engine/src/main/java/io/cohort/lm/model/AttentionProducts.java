package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Causal attention's products (scores, probabilities times values, and their four backward
 * products) as a few batched oneDNN matmuls per thread instead of one heap-copying BLAS call per
 * (example, head). Issue 18: at GPT-2-small's 128 x 64 x 128 per head, the per-head calls ran at
 * about 100 GFLOP/s, because each copied its operands off-heap and back and paid a call's overhead
 * for a few MFLOP of work.
 *
 * <p>Layout: q, k, v, o are head-major ([heads, t, hd], heads = examples x heads, contiguous), the
 * probabilities [heads, t, t]. The heads are cut into chunks of whole key/value groups, one task
 * each; a task runs its chunk's rounding, products and softmax as one native call on the arrays
 * themselves ({@link PinnedRun}) where lm-engine's JNI shim is built, else copies the chunk's
 * operands off-heap once (thread-local buffers that only grow) and runs each product as one call. Where one group's scores alone are over the chunk
 * budget (long sequences), a group is cut into runs of query heads ({@link Plan}), so the buffers
 * stay near one head's t x t scores per thread. Chunk size hardly mattered in a one-thread
 * measurement (2 to 16 heads of 128 x 128: within 7%), so the budget is set for cache, not speed.
 *
 * <p>GQA (Llama: {@code group} query heads share one key/value head): the query heads of a group are
 * consecutive, so stacking them gives one [group t, hd] matrix per key/value head, and the forward
 * products and the backward {@code dS = dO V^T} and {@code dQ = dS K} are one batched matmul over
 * the chunk's key/value heads with m = group t: no copy of k and v per query head, and products
 * group times taller. {@code dK = dS^T Q} and {@code dV = P^T dO} are batched over query heads and
 * written per query head, so the caller's sum over a group stays as it was (LlamaModel's loop).
 *
 * <p>Precision: under {@link Precision#BF16} the operands are rounded to BF16 (oneDNN reorders) and
 * multiplied with FP32 accumulation and FP32 results, as PyTorch's autocast runs attention's bmm;
 * the softmax and its backward stay FP32. Under FP32 the products are FP32 oneDNN matmuls.
 * Why oneDNN for FP32 too, not OpenBLAS: at a chunk's score product, on one thread and off-heap
 * without copies ({@code AttentionProductsBenchmark}, 2-core Intel Xeon VM, shared, so indicative),
 * one batched FP32 matmul took 0.26 / 0.35 / 0.94 ms for 12 x 128x64x128 / 16 x 128x64x128 /
 * 14 x 256x64x256 against 0.32 / 0.46 / 1.15 ms for one OpenBLAS sgemm per head (one rerun had
 * OpenBLAS 10% ahead at 12 heads); no clear loss, and one code path for both precisions. The BF16
 * batched matmul (AMX) took 0.07 to 0.16 ms at 12 to 16 x 128x64x128. oneDNN 2.5 has no f32 x bf16
 * matmul, and its fpmath_mode bf16 attribute left an f32 matmul on the f32 kernel (DNNL_VERBOSE), so
 * BF16 operands are made by reorders; converting in Java while copying off-heap was slower.
 *
 * <p>The causal softmax and its backward pass run on oneDNN ({@link DnnlSoftmax}) on the chunk's
 * off-heap scores: the score product adds the causal mask (0 / -inf, a binary post-op) as it writes
 * them, so neither pass copies scores to the heap and back; only the probabilities go to the heap
 * once (the backward pass reads them). A first version masked and ran the backward on heap copies:
 * those copies and loops took as long as the products (0.7 ms each per 12-head chunk, BF16).
 * Where oneDNN's softmax is off ({@code -Dcohort.softmax=java}) both run in Java on the heap.
 *
 * <p>Where it runs: in both precisions wherever oneDNN loads (session 12). Under FP32 it had been
 * BF16-only, because in whole GPT-2-small steps the FP32 batched path was no faster than per-head
 * OpenBLAS calls (3.52 / 3.31 against 3.37 / 3.30 s; on pinned arrays 3.22 / 3.42 / 3.20 against
 * 3.41 / 3.35 / 3.10 s), and it still is not (3.36 / 3.66 against 3.39 / 3.58 s, Qwen2.5-0.5B 11.30
 * / 11.31 against 11.75 / 11.34 s). But at small heads the per-head calls are mostly call overhead:
 * the tiny GPT-2 (4 heads of 16) ran its FP32 step in 0.053 / 0.053 s batched against 0.069 / 0.068 s
 * per head, 0.067 / 0.061 against 0.104 / 0.098 s in interleaved runs: 1.3-1.6x (docs/benchmarks.md,
 * session 12). {@code -Dcohort.attention=blas} keeps the per-head OpenBLAS calls (for A/B
 * measurement; also where oneDNN does not load).
 */
final class AttentionProducts {
  private static final Logger LOG = Logger.getLogger(AttentionProducts.class.getName());
  /** Score values per chunk (f32) aimed at: 16 heads of 128 x 128, 1 MiB, about a core's L2. */
  private static final long CHUNK_SCORES = 16L * 128 * 128;
  private static final String MODE = System.getProperty("cohort.attention", "batched");
  private static final boolean AVAILABLE = !"blas".equals(MODE) && probe();
  /** Test hook: the per-head path even where oneDNN loads (it is what runs where it does not). */
  private static volatile boolean perHead;
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private AttentionProducts() {
  }

  /** Whether attention runs here: wherever oneDNN loads, unless {@code -Dcohort.attention=blas}. */
  static boolean enabled() {
    return AVAILABLE && !perHead;
  }

  /** Test hook: with {@code true}, {@link Attention} takes its per-head OpenBLAS path until reset. */
  static void perHead(boolean on) {
    perHead = on;
  }

  /**
   * Scores, causal softmax and weighted values for {@code heads} query heads: q [heads, t, hd];
   * k, v [heads / group, t, hd]; writes probs [heads, t, t] and o [heads, t, hd].
   */
  static void forward(float[] q, float[] k, float[] v, int heads, int group, int t, int hd, float scale,
      float[] probs, float[] o) {
    boolean bf16 = Blas.precision() == Precision.BF16;
    Plan plan = Plan.of(heads / group, group, t, CHUNK_SCORES);
    Parallel.forEach(plan.chunks(), Long.MAX_VALUE / plan.chunks(), c -> forwardChunk(bf16, q, k, v, plan.k0(c),
        plan.nk(c), plan.g0(c), plan.ng(c), group, t, hd, scale, probs, o));
  }

  /**
   * The backward pass of {@link #forward}: given dO [heads, t, hd] and the forward's q, k, v and probs,
   * writes dq [heads, t, hd] and dk, dv per QUERY head ([heads, t, hd]; the caller sums a group's).
   * {@code dS} [heads, t, t] is heap scratch for the softmax's backward pass where it runs in Java
   * (oneDNN's softmax off); otherwise it is not touched.
   */
  static void backward(float[] q, float[] k, float[] v, float[] probs, float[] dO, int heads, int group, int t,
      int hd, float scale, float[] dS, float[] dq, float[] dk, float[] dv) {
    boolean bf16 = Blas.precision() == Precision.BF16;
    Plan plan = Plan.of(heads / group, group, t, CHUNK_SCORES);
    Parallel.forEach(plan.chunks(), Long.MAX_VALUE / plan.chunks(), c -> backwardChunk(bf16, q, k, v, probs, dO,
        plan.k0(c), plan.nk(c), plan.g0(c), plan.ng(c), group, t, hd, scale, dS, dq, dk, dv));
  }

  /**
   * How the heads are cut into chunks: whole key/value groups, {@code kvPerChunk} of them, as many as
   * keep a chunk's scores near the budget and few enough that every thread gets a chunk; or, where
   * one group's scores alone exceed the budget (long sequences), each group cut into {@code parts}
   * runs of {@code perPart} query heads, so a thread's buffers stay bounded by about one head's
   * t x t scores whatever the sequence length.
   */
  record Plan(int kvHeads, int group, int kvPerChunk, int parts, int perPart) {
    static Plan of(int kvHeads, int group, int t, long budget) {
      long perHead = (long) t * t;
      int headsBySize = (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget / perHead));
      if (headsBySize < group) {
        int parts = (group + headsBySize - 1) / headsBySize;
        return new Plan(kvHeads, group, 1, parts, (group + parts - 1) / parts);
      }
      int byThreads = Math.max(1, (kvHeads + Parallel.threads() - 1) / Parallel.threads());
      return new Plan(kvHeads, group, Math.min(headsBySize / group, byThreads), 1, group);
    }

    int chunks() {
      return parts == 1 ? (kvHeads + kvPerChunk - 1) / kvPerChunk : kvHeads * parts;
    }

    int k0(int c) {
      return parts == 1 ? c * kvPerChunk : c / parts;
    }

    int nk(int c) {
      return parts == 1 ? Math.min(kvPerChunk, kvHeads - k0(c)) : 1;
    }

    int g0(int c) {
      return parts == 1 ? 0 : c % parts * perPart;
    }

    int ng(int c) {
      return parts == 1 ? group : Math.min(perPart, group - g0(c));
    }
  }

  /**
   * One chunk of {@link #forward}: key/value heads [k0, k0 + nk) and query heads [g0, g0 + ng) of
   * each one's group (ng less than the group only with nk = 1).
   */
  static void forwardChunk(boolean bf16, float[] q, float[] k, float[] v, int k0, int nk, int g0, int ng, int group,
      int t, int hd, float scale, float[] probs, float[] o) {
    Buffers w = BUFFERS.get();
    Extent e = Extent.of(k0, nk, g0, ng, group, t, hd);
    if (onArrays()) {
      forwardOnArrays(bf16, q, k, v, e, nk, t, hd, scale, probs, o);
      return;
    }
    long t0 = System.nanoTime();
    FloatPointer qf = w.f32(Buffers.Q, e.qLen()).put(q, e.qOff(), e.qLen());
    FloatPointer kf = w.f32(Buffers.K, e.kLen()).put(k, e.kOff(), e.kLen());
    FloatPointer vf = w.f32(Buffers.V, e.kLen()).put(v, e.kOff(), e.kLen());
    FloatPointer s = w.f32(Buffers.S, e.sLen());
    FloatPointer out = w.f32(Buffers.OUT, e.qLen());
    Pointer qa = w.operand(bf16, qf, Buffers.Q, e.qLen());
    Pointer ka = w.operand(bf16, kf, Buffers.K, e.kLen());
    boolean onednnSoftmax = DnnlSoftmax.available();
    FloatPointer mask = onednnSoftmax ? w.mask(e.nq(), t) : null;
    long t1 = System.nanoTime();
    // S [nk][group t, t] = scale Q K^T (+ the causal mask): a group's query heads stacked against
    // their key head.
    Shape scores = scoresShape(bf16, e, nk, t, hd, scale, mask != null);
    scores.product().run(BatchedMatmul.thread(), qa, ka, mask, s);
    long t2 = System.nanoTime();
    scores.count(t2 - t1);
    if (onednnSoftmax) {
      DnnlSoftmax.run(s, s, e.nq() * t, t);
      s.get(probs, e.sOff(), e.sLen());
    } else {
      s.get(probs, e.sOff(), e.sLen());
      for (int h = 0; h < e.nq(); h++) {
        Attention.softmaxCausal(probs, e.sOff() + h * t * t, t);
      }
      s.put(probs, e.sOff(), e.sLen());
    }
    long t3 = System.nanoTime();
    Pointer pa = w.operand(bf16, s, Buffers.S, e.sLen());
    Pointer va = w.operand(bf16, vf, Buffers.V, e.kLen());
    long t4 = System.nanoTime();
    // O [nk][group t, hd] = P V.
    Shape values = valuesShape(bf16, e, nk, t, hd, 1f);
    values.product().run(BatchedMatmul.thread(), pa, va, null, out);
    long t5 = System.nanoTime();
    values.count(t5 - t4);
    out.get(o, e.qOff(), e.qLen());
    Blas.countAttentionOther(t, hd, t1 - t0 + t4 - t3 + System.nanoTime() - t5, t3 - t2);
  }

  /**
   * A chunk's sizes and offsets: query heads (nq), stacked rows per key head (gt = query heads of the
   * group in the chunk x t), the lengths of its q / k / score blocks and where they start.
   */
  record Extent(int nq, int gt, int qLen, int kLen, int sLen, int qOff, int kOff, int sOff) {
    static Extent of(int k0, int nk, int g0, int ng, int group, int t, int hd) {
      int nq = nk * ng;
      int first = k0 * group + g0;
      return new Extent(nq, ng * t, nq * t * hd, nk * t * hd, nq * t * t, first * t * hd, k0 * t * hd, first * t * t);
    }
  }

  /**
   * Whether chunks run as one {@link PinnedRun} on the caller's arrays, not through off-heap copies:
   * where the JNI shim loaded (and products run on arrays) and oneDNN's softmax is on.
   */
  private static boolean onArrays() {
    return Blas.onArrays() && DnnlSoftmax.available();
  }

  /**
   * {@link #forwardChunk} as one native call on the caller's arrays ({@link PinnedRun}): under BF16
   * q, k and v rounded straight from the arrays, under FP32 read in place; the softmax written
   * straight into probs, the output into o; only the scores (and BF16 operands) live off-heap. The
   * same primitives as the copying path, so the same results (PinnedProductsTest).
   */
  private static void forwardOnArrays(boolean bf16, float[] q, float[] k, float[] v, Extent e, int nk, int t, int hd,
      float scale, float[] probs, float[] o) {
    long t0 = System.nanoTime();
    Buffers w = BUFFERS.get();
    Shape scoresShape = scoresShape(bf16, e, nk, t, hd, scale, true);
    Shape valuesShape = valuesShape(bf16, e, nk, t, hd, 1f);
    BatchedMatmul.Product scores = scoresShape.product();
    BatchedMatmul.Product values = valuesShape.product();
    dnnl_primitive softmax = DnnlSoftmax.forwardPrimitive(e.nq() * t, t);
    dnnl_memory_desc_t rows = DnnlSoftmax.rowsDesc(e.nq() * t, t);
    DnnlThread thread = BatchedMatmul.thread();
    try (PinnedRun run = new PinnedRun(thread, bf16)) {
      dnnl_memory sf = run.offHeap(rows, w.f32(Buffers.S, e.sLen()));
      // S [nk][group t, t] = scale Q K^T + the causal mask; P = softmax(S) straight into probs.
      scores.step(run, run.operand(scores.aDesc, q, e.qOff(), e.qLen(), w.bf16(Buffers.Q, e.qLen())),
          run.operand(scores.bDesc, k, e.kOff(), e.kLen(), w.bf16(Buffers.K, e.kLen())),
          run.offHeap(scores.addDesc, w.mask(e.nq(), t)), sf, run.scratch(scores.scratchDesc));
      run.step(softmax, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, sf, run.onArray(rows, probs, e.sOff()));
      // O [nk][group t, hd] = P V, into o.
      values.step(run, run.operand(values.aDesc, probs, e.sOff(), e.sLen(), w.bf16(Buffers.S, e.sLen())),
          run.operand(values.bDesc, v, e.kOff(), e.kLen(), w.bf16(Buffers.V, e.kLen())), null,
          run.onArray(values.cDesc, o, e.qOff()), run.scratch(values.scratchDesc));
      run.run("attention forward on arrays");
    }
    scoresShape.count(0);
    valuesShape.count(0);
    Blas.countAttentionOnArrays(t, hd, System.nanoTime() - t0);
  }

  /** {@link #backwardChunk} as one native call on the caller's arrays (see forwardOnArrays). */
  private static void backwardOnArrays(boolean bf16, float[] q, float[] k, float[] v, float[] probs, float[] dO,
      Extent e, int nk, int t, int hd, float scale, float[] dq, float[] dk, float[] dv) {
    long t0 = System.nanoTime();
    Buffers w = BUFFERS.get();
    Shape[] shapes = {scoresShape(bf16, e, nk, t, hd, 1f, false), perQueryHeadShape(bf16, e, t, hd, 1f),
        valuesShape(bf16, e, nk, t, hd, scale), perQueryHeadShape(bf16, e, t, hd, scale)};
    BatchedMatmul.Product dpProduct = shapes[0].product();
    BatchedMatmul.Product dvProduct = shapes[1].product();
    BatchedMatmul.Product dqProduct = shapes[2].product();
    BatchedMatmul.Product dkProduct = shapes[3].product();
    dnnl_primitive softmax = DnnlSoftmax.backwardPrimitive(e.nq() * t, t);
    dnnl_memory_desc_t rows = DnnlSoftmax.rowsDesc(e.nq() * t, t);
    DnnlThread thread = BatchedMatmul.thread();
    try (PinnedRun run = new PinnedRun(thread, bf16)) {
      ShortPointer dOBf16 = w.bf16(Buffers.DO, e.qLen());
      // dP [nk][group t, t] = dO V^T; dV [nq][t, hd] = P^T dO, per query head, into dv.
      dnnl_memory dp = run.offHeap(rows, w.f32(Buffers.S, e.sLen()));
      dpProduct.step(run, run.operand(dpProduct.aDesc, dO, e.qOff(), e.qLen(), dOBf16),
          run.operand(dpProduct.bDesc, v, e.kOff(), e.kLen(), w.bf16(Buffers.V, e.kLen())), null, dp,
          run.scratch(dpProduct.scratchDesc));
      dvProduct.step(run, run.operand(dvProduct.aDesc, probs, e.sOff(), e.sLen(), w.bf16(Buffers.P, e.sLen())),
          run.operand(dvProduct.bDesc, dO, e.qOff(), e.qLen(), dOBf16), null,
          run.onArray(dvProduct.cDesc, dv, e.qOff()), run.scratch(dvProduct.scratchDesc));
      // dS = the softmax's backward pass, from P read straight from probs.
      FloatPointer dsF32 = w.f32(Buffers.DS, e.sLen());
      run.step(softmax, new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
          run.onArray(rows, probs, e.sOff()), dp, run.offHeap(rows, dsF32));
      ShortPointer dsBf16 = w.bf16(Buffers.DS, e.sLen());
      // dQ [nk][group t, hd] = scale dS K; dK [nq][t, hd] = scale dS^T Q, per query head.
      dqProduct.step(run, run.operand(dqProduct.aDesc, dsF32, e.sLen(), dsBf16),
          run.operand(dqProduct.bDesc, k, e.kOff(), e.kLen(), w.bf16(Buffers.K, e.kLen())), null,
          run.onArray(dqProduct.cDesc, dq, e.qOff()), run.scratch(dqProduct.scratchDesc));
      dkProduct.step(run, run.operand(dkProduct.aDesc, dsF32, e.sLen(), dsBf16),
          run.operand(dkProduct.bDesc, q, e.qOff(), e.qLen(), w.bf16(Buffers.Q, e.qLen())), null,
          run.onArray(dkProduct.cDesc, dk, e.qOff()), run.scratch(dkProduct.scratchDesc));
      run.run("attention backward on arrays");
    }
    for (Shape shape : shapes) {
      shape.count(0);
    }
    Blas.countAttentionOnArrays(t, hd, System.nanoTime() - t0);
  }

  /** One chunk of {@link #backward}, heads as for {@link #forwardChunk}. */
  static void backwardChunk(boolean bf16, float[] q, float[] k, float[] v, float[] probs, float[] dO, int k0,
      int nk, int g0, int ng, int group, int t, int hd, float scale, float[] dS, float[] dq, float[] dk, float[] dv) {
    Buffers w = BUFFERS.get();
    Extent e = Extent.of(k0, nk, g0, ng, group, t, hd);
    if (onArrays()) {
      backwardOnArrays(bf16, q, k, v, probs, dO, e, nk, t, hd, scale, dq, dk, dv);
      return;
    }
    long t0 = System.nanoTime();
    FloatPointer qf = w.f32(Buffers.Q, e.qLen()).put(q, e.qOff(), e.qLen());
    FloatPointer kf = w.f32(Buffers.K, e.kLen()).put(k, e.kOff(), e.kLen());
    FloatPointer vf = w.f32(Buffers.V, e.kLen()).put(v, e.kOff(), e.kLen());
    FloatPointer pf = w.f32(Buffers.P, e.sLen()).put(probs, e.sOff(), e.sLen());
    FloatPointer df = w.f32(Buffers.DO, e.qLen()).put(dO, e.qOff(), e.qLen());
    FloatPointer s = w.f32(Buffers.S, e.sLen());
    FloatPointer out = w.f32(Buffers.OUT, e.qLen());
    Pointer da = w.operand(bf16, df, Buffers.DO, e.qLen());
    Pointer va = w.operand(bf16, vf, Buffers.V, e.kLen());
    Pointer pa = w.operand(bf16, pf, Buffers.P, e.sLen());
    long t1 = System.nanoTime();
    // dS [nk][group t, t] = dO V^T.
    Shape dp = scoresShape(bf16, e, nk, t, hd, 1f, false);
    dp.product().run(BatchedMatmul.thread(), da, va, null, s);
    long t2 = System.nanoTime();
    dp.count(t2 - t1);
    // dV [e.nq()][t, hd] = P^T dO, per query head.
    Shape dvShape = perQueryHeadShape(bf16, e, t, hd, 1f);
    dvShape.product().run(BatchedMatmul.thread(), pa, da, null, out);
    long t3 = System.nanoTime();
    dvShape.count(t3 - t2);
    out.get(dv, e.qOff(), e.qLen());
    FloatPointer ds = w.f32(Buffers.DS, e.sLen());
    if (DnnlSoftmax.available()) {
      DnnlSoftmax.backward(pf, s, ds, e.nq() * t, t);
    } else {
      s.get(dS, e.sOff(), e.sLen());
      for (int h = 0; h < e.nq(); h++) {
        int po = e.sOff() + h * t * t;
        for (int row = 0; row < t; row++) {
          Attention.softmaxCausalRowBackward(probs, dS, po + row * t, row, t);
        }
      }
      ds.put(dS, e.sOff(), e.sLen());
    }
    Pointer sa = w.operand(bf16, ds, Buffers.DS, e.sLen());
    Pointer ka = w.operand(bf16, kf, Buffers.K, e.kLen());
    Pointer qa = w.operand(bf16, qf, Buffers.Q, e.qLen());
    long t4 = System.nanoTime();
    // dQ [nk][group t, hd] = scale dS K.
    Shape dqShape = valuesShape(bf16, e, nk, t, hd, scale);
    dqShape.product().run(BatchedMatmul.thread(), sa, ka, null, out);
    long t5 = System.nanoTime();
    dqShape.count(t5 - t4);
    out.get(dq, e.qOff(), e.qLen());
    long t6 = System.nanoTime();
    // dK [e.nq()][t, hd] = scale dS^T Q, per query head.
    Shape dkShape = perQueryHeadShape(bf16, e, t, hd, scale);
    dkShape.product().run(BatchedMatmul.thread(), sa, qa, null, out);
    long t7 = System.nanoTime();
    dkShape.count(t7 - t6);
    out.get(dk, e.qOff(), e.qLen());
    Blas.countAttentionOther(t, hd, t1 - t0 + t6 - t5 + System.nanoTime() - t7, t4 - t3);
  }

  /**
   * One of a chunk's batched products (this thread's primitive) with the sizes its FLOPs are counted
   * by; each of the three shapes below is written once for both paths (on arrays and through copies).
   */
  private record Shape(BatchedMatmul.Product product, int batch, int m, int n, int k, boolean transA,
      boolean transB) {
    /** Counts the product's FLOPs and its time (0 where it ran inside a larger timed call). */
    void count(long nanos) {
      Blas.countAttention(batch, m, n, k, transA, transB, nanos);
    }
  }

  /**
   * Per key/value head, a group's stacked rows against the key (or value) head transposed:
   * {@code [group t, hd] x [hd, t]} (scores S = scale Q K^T with the causal mask, and dP = dO V^T).
   */
  private static Shape scoresShape(boolean bf16, Extent e, int nk, int t, int hd, float alpha, boolean mask) {
    return new Shape(BatchedMatmul.product(bf16, nk, e.gt(), t, hd, rowMajor(e.gt(), hd), transposed(t, hd), alpha,
        mask), nk, e.gt(), t, hd, false, true);
  }

  /** Per key/value head, {@code [group t, t] x [t, hd]} (O = P V and dQ = scale dS K). */
  private static Shape valuesShape(boolean bf16, Extent e, int nk, int t, int hd, float alpha) {
    return new Shape(BatchedMatmul.product(bf16, nk, e.gt(), hd, t, rowMajor(e.gt(), t), rowMajor(t, hd), alpha,
        false), nk, e.gt(), hd, t, false, false);
  }

  /** Per query head, {@code [t, t]^T x [t, hd]} (dV = P^T dO and dK = scale dS^T Q). */
  private static Shape perQueryHeadShape(boolean bf16, Extent e, int t, int hd, float alpha) {
    return new Shape(BatchedMatmul.product(bf16, e.nq(), t, hd, t, transposed(t, t), rowMajor(t, hd), alpha, false),
        e.nq(), t, hd, t, true, false);
  }

  /** Strides of [rows, cols] row-major matrices stored back to back. */
  private static long[] rowMajor(int rows, int cols) {
    return new long[] {(long) rows * cols, cols, 1};
  }

  /** Strides of the transpose of [rows, cols] row-major matrices stored back to back (a [cols, rows] view). */
  private static long[] transposed(int rows, int cols) {
    return new long[] {(long) rows * cols, 1, cols};
  }

  private static boolean probe() {
    try {
      try (FloatPointer a = new FloatPointer(4); FloatPointer c = new FloatPointer(4)) {
        BatchedMatmul.run(false, 1, 2, 2, 1, rowMajor(2, 1), rowMajor(1, 2), 1f, a, a, c);
      }
      return true;
    } catch (Throwable e) { // no native library for this platform
      LOG.log(Level.FINE, "oneDNN matmul unavailable, attention stays on per-head BLAS calls", e);
      return false;
    }
  }

  /** A thread's off-heap operands, FP32 and their BF16 copies, grown to the largest chunk seen, never freed. */
  private static final class Buffers {
    static final int Q = 0;
    static final int K = 1;
    static final int V = 2;
    static final int S = 3;
    static final int P = 4;
    static final int DO = 5;
    static final int OUT = 6;
    static final int DS = 7;
    private final FloatPointer[] f32 = new FloatPointer[8];
    private final ShortPointer[] bf16 = new ShortPointer[8];
    /** The causal mask [heads, t, t] (0 on and below the diagonal, -inf above) and its shape. */
    private FloatPointer mask = new FloatPointer(1);
    private int maskT = -1;
    private int maskHeads;

    Buffers() {
      for (int i = 0; i < f32.length; i++) {
        f32[i] = new FloatPointer(1);
        bf16[i] = new ShortPointer(1);
      }
    }

    /**
     * The causal mask for {@code heads} t x t blocks, rebuilt only for a new t or more heads (the
     * mask for fewer heads is a prefix of it).
     */
    FloatPointer mask(int heads, int t) {
      if (t != maskT || heads > maskHeads) {
        float[] m = new float[heads * t * t];
        for (int r = 0; r < heads * t; r++) {
          int i = r % t;
          java.util.Arrays.fill(m, r * t + i + 1, (r + 1) * t, Float.NEGATIVE_INFINITY);
        }
        mask.deallocate();
        mask = new FloatPointer(m.length).put(m, 0, m.length);
        maskT = t;
        maskHeads = heads;
      }
      return mask;
    }

    FloatPointer f32(int slot, long n) {
      if (f32[slot].capacity() < n) {
        f32[slot].deallocate();
        f32[slot] = new FloatPointer(n);
      }
      return f32[slot].position(0);
    }

    /** The product operand for slot: its FP32 buffer, or under BF16 that buffer rounded into the slot's BF16 one. */
    Pointer operand(boolean toBf16, FloatPointer src, int slot, long n) {
      if (!toBf16) {
        return src;
      }
      ShortPointer dst = bf16(slot, n);
      BatchedMatmul.toBf16(src, dst, n);
      return dst;
    }

    /** The slot's BF16 buffer, at least n values. */
    ShortPointer bf16(int slot, long n) {
      if (bf16[slot].capacity() < n) {
        bf16[slot].deallocate();
        bf16[slot] = new ShortPointer(n);
      }
      return bf16[slot].position(0);
    }
  }
}
