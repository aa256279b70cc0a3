package io.cohort.lm.model;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Row-major single-precision matrix products on OpenBLAS, for operands kept in Java arrays.
 *
 * <p>Where lm-engine's JNI shim is built ({@link PinnedProducts}, {@link #onArrays()}), products read
 * and write the Java arrays themselves, pinned for the call. Otherwise, copies: JavaCPP's
 * {@code float[]} overloads copy every array in and back out on each call (JNI
 * {@code Get/ReleaseFloatArrayElements}); copying only what a product reads into per-thread off-heap
 * scratch, and only the result back, costs a few percent of a large product instead of about a
 * quarter. Frozen weights live off-heap for good ({@link NativeMatrix}).
 *
 * <p>OpenBLAS 0.3.19 (the version ND4J M2.1 brings) does not recognise recent Intel cores and
 * falls back to SSE3 kernels, about 6x slower; {@code bin/cohort-node} sets
 * {@code OPENBLAS_CORETYPE} from the CPU flags before the JVM starts (see docs/model-engine.md).
 */
public final class Blas {
  /** Results of A^T B with at most this many rows or columns are split over k (see skinnyTransposedA). */
  private static final int SKINNY = 32;
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  /** 2 m n k of every product run, so benchmarks count a step's FLOPs from what it did, not by hand. */
  private static final LongAdder FLOPS = new LongAdder();
  /** Thread-nanoseconds inside native products, in copies to and from off-heap, and in thin A^T B products. */
  private static final LongAdder PRODUCT_NANOS = new LongAdder();
  private static final LongAdder COPY_NANOS = new LongAdder();
  private static final LongAdder THIN_NANOS = new LongAdder();
  /** FLOPs per product shape while a benchmark records them ({@link #recordShapes}); null otherwise. */
  private static volatile Map<String, LongAdder> shapes;
  /** Thread-nanoseconds per product shape while shapes are recorded (same keys as {@link #shapes}). */
  private static volatile Map<String, LongAdder> shapeNanos;
  private static volatile Precision precision = Precision.FP32;
  /**
   * Whether FP32 products run on the Java arrays themselves ({@link PinnedProducts}) rather than on
   * off-heap copies; true where the build's JNI shim loaded. A test switches it to compare the two.
   */
  private static volatile boolean onArrays = PinnedProducts.available();

  private Blas() {
  }

  /** Floating-point operations (2 m n k per product) of all products since the JVM started. */
  public static long flopsCounted() {
    return FLOPS.sum();
  }

  /**
   * Thread-seconds spent since the JVM started: {@code [native products, copies between Java arrays
   * and off-heap buffers, thin A^T B products with their copies]}, so a benchmark can say where a step's time went
   * without a profiler (three {@code nanoTime} calls per product).
   */
  public static double[] secondsSpent() {
    return new double[] {PRODUCT_NANOS.sum() / 1e9, COPY_NANOS.sum() / 1e9, THIN_NANOS.sum() / 1e9};
  }

  /**
   * Starts (true) or stops recording the FLOPs of each product shape, for a peak probe that measures
   * the shapes a step really runs. Keys: {@code m n k transA transB kind}, kind {@code frozen} for
   * products with a {@link NativeMatrix}, {@code heap} for others, {@code thin} for thin A^T B,
   * {@code lowrank} for rank-k updates in Java, {@code side} for {@link Side} products inside row
   * slices, {@code fused} for the output head's products ({@link OutputHeadLoss}), {@code attention} for
   * attention's batched products ({@link AttentionProducts}; FLOPs of the whole batch).
   */
  public static void recordShapes(boolean on) {
    shapes = on ? new ConcurrentHashMap<>() : null;
    shapeNanos = on ? new ConcurrentHashMap<>() : null;
  }

  /** Thread-seconds per recorded shape since {@link #recordShapes}(true). */
  public static Map<String, Double> recordedShapeSeconds() {
    Map<String, Double> out = new TreeMap<>();
    Map<String, LongAdder> s = shapeNanos;
    if (s != null) {
      s.forEach((k, v) -> out.put(k, v.sum() / 1e9));
    }
    return out;
  }

  private static void timed(LongAdder total, long nanos, int m, int n, int k, boolean transA, boolean transB,
      String kind) {
    total.add(nanos);
    Map<String, LongAdder> s = shapeNanos;
    if (s != null) {
      s.computeIfAbsent(m + " " + n + " " + k + " " + transA + " " + transB + " " + kind, x -> new LongAdder())
          .add(nanos);
    }
  }

  /** The recorded FLOPs per shape since {@link #recordShapes}(true), largest first is up to the caller. */
  public static Map<String, Long> recordedShapes() {
    Map<String, Long> out = new TreeMap<>();
    Map<String, LongAdder> s = shapes;
    if (s != null) {
      s.forEach((k, v) -> out.put(k, v.sum()));
    }
    return out;
  }

  /** Counts and times a product run outside this class (the fused output-head loss), kind {@code fused}. */
  static void countFused(int m, int n, int k, boolean transA, boolean transB, long nanos) {
    count(m, n, k, transA, transB, "fused");
    timed(PRODUCT_NANOS, nanos, m, n, k, transA, transB, "fused");
  }

  /**
   * Counts and times one batched attention product ({@link AttentionProducts}): {@code batch} products
   * of m x k by k x n, kind {@code attention}; FLOPs are the whole batch's.
   */
  static void countAttention(int batch, int m, int n, int k, boolean transA, boolean transB, long nanos) {
    long f = 2L * batch * m * n * k;
    FLOPS.add(f);
    Map<String, LongAdder> shapeFlops = shapes;
    if (shapeFlops != null) {
      shapeFlops.computeIfAbsent(m + " " + n + " " + k + " " + transA + " " + transB + " attention",
          x -> new LongAdder()).add(f);
    }
    timed(PRODUCT_NANOS, nanos, m, n, k, transA, transB, "attention");
  }

  /**
   * Times what attention's batched products spend beside the products (keys {@code t t hd false false
   * attention-copies} for copies and BF16 rounding, {@code attention-softmax} for the softmax and its
   * backward), so a shape profile shows attention's whole share; no FLOPs.
   */
  static void countAttentionOther(int t, int hd, long copyNanos, long softmaxNanos) {
    COPY_NANOS.add(copyNanos);
    Map<String, LongAdder> s = shapeNanos;
    if (s != null) {
      String shape = t + " " + t + " " + hd + " false false ";
      s.computeIfAbsent(shape + "attention-copies", x -> new LongAdder()).add(copyNanos);
      s.computeIfAbsent(shape + "attention-softmax", x -> new LongAdder()).add(softmaxNanos);
    }
  }

  /**
   * Times one chunk of attention run as a single native call on the Java arrays (products, BF16
   * rounding and softmax together; key {@code t t hd false false attention-on-arrays}); its products'
   * FLOPs are counted by {@link #countAttention} with no time of their own.
   */
  static void countAttentionOnArrays(int t, int hd, long nanos) {
    timed(PRODUCT_NANOS, nanos, t, t, hd, false, false, "attention-on-arrays");
  }

  private static void count(int m, int n, int k, boolean transA, boolean transB, String kind) {
    long f = 2L * m * n * k;
    FLOPS.add(f);
    Map<String, LongAdder> s = shapes;
    if (s != null) {
      s.computeIfAbsent(m + " " + n + " " + k + " " + transA + " " + transB + " " + kind, x -> new LongAdder()).add(f);
    }
  }

  /**
   * Sets the number format of products with frozen weights ({@link NativeMatrix}) process-wide; other
   * products stay FP32. Set it before the model is loaded, so that frozen weights are kept as BF16
   * only (a model loaded under FP32 gains BF16 copies on first use).
   */
  public static void setPrecision(Precision p) {
    precision = p;
  }

  public static Precision precision() {
    return precision;
  }

  /** Whether FP32 products read and write the Java arrays in place (else through off-heap copies). */
  public static boolean onArrays() {
    return onArrays;
  }

  /** For tests: products on the Java arrays (only where the shim loaded) or through copies. */
  static void onArrays(boolean pinned) {
    onArrays = pinned && PinnedProducts.available();
  }

  static {
    // Every product runs OpenBLAS on one thread; the engine slices products over its own threads.
    openblas.blas_set_num_threads(1);
  }

  /** The number of threads a product is sliced over (the engine's, {@link Parallel#threads()}). */
  public static int threads() {
    return Parallel.threads();
  }

  /**
   * Cuts {@code C = alpha op(A) op(B) + beta C} (off-heap operands) into one single-threaded sgemm per
   * engine thread: row slices of C when it has enough rows, else column slices. Why not OpenBLAS's
   * own threads: its workers wait for work by spinning on {@code sched_yield}, which in this kind of
   * virtual machine is a system call with a costly interrupt toggle; with the engine's Java loops
   * running between products on the same cores, that spinning took about a fifth of all CPU time
   * (perf) and products ran at half the GEMM peak. Slices synchronise through the fork-join pool
   * (park/unpark) instead. Inside a pool task the product runs as one call.
   */
  private static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatPointer a, int lda,
      FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
    int parts = Parallel.threads();
    boolean inTask = Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread;
    long work = 2L * m * n * k;
    if (parts == 1 || inTask || work < MIN_SLICED_FLOPS) {
      sgemmCall(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
      return;
    }
    if (m >= parts * MIN_SLICE) {
      Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
        int r0 = (int) ((long) m * p / parts);
        int r1 = (int) ((long) m * (p + 1) / parts);
        // Row r of op(A) starts at r * lda in A, or at column r of the stored k x m A when transposed.
        sgemmCall(transA, transB, r1 - r0, n, k, alpha, a, transA ? r0 : (long) r0 * lda, lda, b, 0, ldb, beta, c,
            (long) r0 * ldc, ldc);
      });
    } else if (n >= parts * MIN_SLICE) {
      Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
        int j0 = (int) ((long) n * p / parts);
        int j1 = (int) ((long) n * (p + 1) / parts);
        // Column j of op(B) is column j of the stored k x n B, or row j of the stored n x k B.
        sgemmCall(transA, transB, m, j1 - j0, k, alpha, a, 0, lda, b, transB ? (long) j0 * ldb : j0, ldb, beta, c,
            j0, ldc);
      });
    } else {
      sgemmCall(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
    }
  }

  /**
   * {@link #sgemm}'s slicing for a heap C and heap (or, where the array is null, off-heap) A and B,
   * each slice one {@link PinnedProducts} call on the arrays themselves; offsets in floats.
   */
  private static void sgemmOnArrays(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
      long aAddress, int aOff, int lda, float[] b, long bAddress, int bOff, int ldb, float beta, float[] c, int cOff,
      int ldc) {
    int parts = Parallel.threads();
    boolean inTask = Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread;
    if (parts > 1 && !inTask && 2L * m * n * k >= MIN_SLICED_FLOPS && m >= parts * MIN_SLICE) {
      Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
        int r0 = (int) ((long) m * p / parts);
        int r1 = (int) ((long) m * (p + 1) / parts);
        PinnedProducts.sgemm(transA, transB, r1 - r0, n, k, alpha, a, aAddress, aOff + (transA ? r0 : r0 * lda), lda,
            b, bAddress, bOff, ldb, beta, c, 0, cOff + r0 * ldc, ldc);
      });
    } else if (parts > 1 && !inTask && 2L * m * n * k >= MIN_SLICED_FLOPS && n >= parts * MIN_SLICE) {
      Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
        int j0 = (int) ((long) n * p / parts);
        int j1 = (int) ((long) n * (p + 1) / parts);
        PinnedProducts.sgemm(transA, transB, m, j1 - j0, k, alpha, a, aAddress, aOff, lda, b, bAddress,
            bOff + (transB ? j0 * ldb : j0), ldb, beta, c, 0, cOff + j0, ldc);
      });
    } else {
      PinnedProducts.sgemm(transA, transB, m, n, k, alpha, a, aAddress, aOff, lda, b, bAddress, bOff, ldb, beta, c, 0,
          cOff, ldc);
    }
  }

  private static void sgemmCall(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatPointer a,
      long aOff, int lda, FloatPointer b, long bOff, int ldb, float beta, FloatPointer c, long cOff, int ldc) {
    openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans,
        transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, alpha, at(a, aOff), lda, at(b, bOff), ldb, beta,
        at(c, cOff), ldc);
  }

  /** A view of {@code p} starting {@code off} floats further (p itself is shared by the slices, left as is). */
  private static FloatPointer at(FloatPointer p, long off) {
    return off == 0 ? p : new FloatPointer(p).position(p.position() + off);
  }

  /**
   * {@code C = alpha * op(A) * op(B) + beta * C}, all row-major; op(A) is m x k, op(B) is k x n.
   * Operands start at the given offsets with leading dimensions lda, ldb, ldc.
   */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    if (transA && !transB && Math.min(m, n) <= SKINNY) {
      skinnyTransposedA(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    if (!transA && k <= LOW_RANK && n >= MIN_LOW_RANK_WIDTH && LOW_RANK_IN_JAVA) {
      lowRank(transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    onBlas(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /**
   * As {@link #gemm}, always on OpenBLAS, never the Java thin-result path: for small square-ish
   * products whose result is only thin because a head is narrow (attention's p^T dO and dS^T q,
   * [seq, head_dim] over seq rows), where one single-threaded sgemm beats the Java loop.
   */
  static void onBlas(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    count(m, n, k, transA, transB, "heap");
    if (onArrays) {
      long t = System.nanoTime();
      sgemmOnArrays(transA, transB, m, n, k, alpha, a, 0, aOff, lda, b, 0, bOff, ldb, beta, c, cOff, ldc);
      timed(PRODUCT_NANOS, System.nanoTime() - t, m, n, k, transA, transB, "heap");
      return;
    }
    Scratch s = SCRATCH.get();
    int aSpan = span(transA ? k : m, transA ? m : k, lda);
    int bSpan = span(transB ? n : k, transB ? k : n, ldb);
    int cSpan = span(m, n, ldc);
    FloatPointer pa = s.a(aSpan);
    FloatPointer pb = s.b(bSpan);
    FloatPointer pc = s.c(cSpan);
    long t0 = System.nanoTime();
    copyIn(pa, a, aOff, aSpan);
    copyIn(pb, b, bOff, bSpan);
    if (beta != 0f) {
      copyIn(pc, c, cOff, cSpan);
    }
    long t1 = System.nanoTime();
    sgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    long t2 = System.nanoTime();
    copyOut(pc, c, cOff, cSpan);
    timed(PRODUCT_NANOS, t2 - t1, m, n, k, transA, transB, "heap");
    COPY_NANOS.add(t1 - t0 + System.nanoTime() - t2);
  }

  /** As {@link #gemm}, with B a frozen off-heap matrix (its own leading dimension). */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, NativeMatrix b, float beta, float[] c, int cOff, int ldc) {
    gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, beta, c, cOff, ldc, null);
  }

  /**
   * As {@link #gemm} with a frozen B, also forming {@code side} (when not null; A not transposed) from
   * A; returns whether the side's update of C was applied (see {@link Side}).
   */
  public static boolean gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, NativeMatrix b, float beta, float[] c, int cOff, int ldc, Side side) {
    if (m == 0 || n == 0) {
      return false;
    }
    if (side != null && transA) {
      throw new IllegalArgumentException("a side product needs A not transposed");
    }
    if (!transA && rowSlices(m, 2L * m * n * k) > 1) {
      return frozenRows(transB, m, n, k, alpha, a, aOff, lda, b, null, beta, c, cOff, ldc, side);
    }
    sideOnHeap(side, m, k, a, aOff, lda);
    gemmUnsliced(transA, transB, m, n, k, alpha, a, aOff, lda, b, beta, c, cOff, ldc);
    return false;
  }

  private static void gemmUnsliced(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, NativeMatrix b, float beta, float[] c, int cOff, int ldc) {
    count(m, n, k, transA, transB, "frozen");
    if (onArrays && precision != Precision.BF16) {
      long t = System.nanoTime();
      sgemmOnArrays(transA, transB, m, n, k, alpha, a, 0, aOff, lda, null, address(b.pointer()), 0, b.cols(), beta,
          c, cOff, ldc);
      timed(PRODUCT_NANOS, System.nanoTime() - t, m, n, k, transA, transB, "frozen");
      return;
    }
    Scratch s = SCRATCH.get();
    int aSpan = span(transA ? k : m, transA ? m : k, lda);
    int cSpan = span(m, n, ldc);
    FloatPointer pa = s.a(aSpan);
    FloatPointer pc = s.c(cSpan);
    long t0 = System.nanoTime();
    copyIn(pa, a, aOff, aSpan);
    COPY_NANOS.add(System.nanoTime() - t0);
    if (precision == Precision.BF16 && !transA) {
      // C = alpha A op(B) + beta C: the product into dense off-heap F32, then scaled into C.
      FloatPointer pd = s.d(m * n);
      Dnnl.bf16(transB, m, n, k, pa, lda, s.h(m * k), b.bf16Pointer(), b.cols(), pd);
      float[] row = s.row(n);
      for (int r = 0; r < m; r++) {
        pd.position((long) r * n).get(row, 0, n);
        int o = cOff + r * ldc;
        for (int j = 0; j < n; j++) {
          c[o + j] = alpha * row[j] + (beta == 0f ? 0f : beta * c[o + j]);
        }
      }
      pd.position(0);
      return;
    }
    long t1 = System.nanoTime();
    if (beta != 0f) {
      copyIn(pc, c, cOff, cSpan);
    }
    long t2 = System.nanoTime();
    sgemm(transA, transB, m, n, k, alpha, pa, lda, b.pointer(), b.cols(), beta, pc, ldc);
    long t3 = System.nanoTime();
    copyOut(pc, c, cOff, cSpan);
    timed(PRODUCT_NANOS, t3 - t2, m, n, k, transA, transB, "frozen");
    COPY_NANOS.add(t2 - t1 + System.nanoTime() - t3);
  }

  /**
   * {@code y = W x} for a frozen off-heap W [rows, cols] and one vector x: the single row of a
   * decode step's output head ({@code [1, d] x [vocab, d]^T}). OpenBLAS's sgemm packs all of W
   * for that one row (about 5x slower at a 128k vocabulary); sgemv reads W once.
   */
  public static void gemv(NativeMatrix w, float[] x, int xOff, float[] y, int yOff) {
    FLOPS.add(2L * w.rows() * w.cols());
    Scratch s = SCRATCH.get();
    FloatPointer px = s.a(w.cols());
    FloatPointer py = s.c(w.rows());
    px.put(x, xOff, w.cols());
    int rows = w.rows();
    int cols = w.cols();
    boolean inTask = Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread;
    int parts = inTask || (long) rows * cols < MIN_SLICED_FLOPS ? 1 : Math.max(1, Math.min(Parallel.threads(),
        rows / MIN_SLICE));
    FloatPointer wp = w.pointer(); // once, on this thread (a BF16-stored W is widened once, not per slice)
    // Row slices of W, one single-threaded sgemv each (see sgemm for why not OpenBLAS's threads).
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int r0 = (int) ((long) rows * p / parts);
      int r1 = (int) ((long) rows * (p + 1) / parts);
      openblas.cblas_sgemv(openblas.CblasRowMajor, openblas.CblasNoTrans, r1 - r0, cols, 1f,
          at(wp, (long) r0 * cols), cols, px, 1, 0f, at(py, r0), 1);
    });
    py.get(y, yOff, w.rows());
  }

  /**
   * {@code C = A W + bias} ([m, n]) for a frozen off-heap W [k, n]: the bias rows are written straight
   * into the off-heap result, so C is neither filled in Java nor copied in.
   */
  public static void gemmBias(int m, int n, int k, float[] a, NativeMatrix w, float[] bias, float[] c) {
    gemmBias(m, n, k, a, w, bias, c, null);
  }

  /**
   * A small product formed beside a frozen one from the same left operand A [m, k]:
   * {@code out = alpha A op(weight)}, weight [r, k] ({@code transposed}, op = transpose) or [k, r],
   * out [m, r] dense. Row-sliced frozen products form it from each slice's own off-heap copy of A
   * (LoRA's {@code u = x A^T} and {@code du = s dy B} then cost no copy of x or dy of their own).
   * With {@code back} ([r, n] row-major, or [n, r] when {@code backTransposed}), each slice also adds
   * {@code backAlpha out op(back)} to its rows of C before copying them back (LoRA's
   * {@code y += s u B^T} and {@code dx += du A}: no copy of C in and out for them either); the
   * product methods say whether they did.
   */
  public record Side(float[] weight, int r, boolean transposed, float alpha, float[] out, float[] back,
      boolean backTransposed, float backAlpha) {
    /** A side product without an update of C. */
    public Side(float[] weight, int r, boolean transposed, float alpha, float[] out) {
      this(weight, r, transposed, alpha, out, null, false, 0f);
    }
  }

  /**
   * {@link #gemmBias}, also forming {@code side} (when not null) from A; returns whether the side's
   * update of C ({@code back}) was applied (if not, the caller applies it).
   */
  public static boolean gemmBias(int m, int n, int k, float[] a, NativeMatrix w, float[] bias, float[] c, Side side) {
    if (m == 0 || n == 0) {
      return false;
    }
    return gemmBias(0, m, n, k, a, w, bias, c, side);
  }

  /** {@link #gemmBias} for rows [row0, row0 + m) of A and C (and side's output). */
  private static boolean gemmBias(int row0, int m, int n, int k, float[] a, NativeMatrix w, float[] bias, float[] c,
      Side side) {
    if (rowSlices(m, 2L * m * n * k) > 1) {
      return frozenRows(false, m, n, k, 1f, a, row0 * k, k, w, bias, 0f, c, row0 * n, n, side);
    }
    sideOnHeap(side, m, k, a, row0 * k, k);
    count(m, n, k, false, false, "frozen");
    if (onArrays && precision != Precision.BF16) {
      long t = System.nanoTime();
      for (int r = 0; r < m; r++) {
        System.arraycopy(bias, 0, c, (row0 + r) * n, n);
      }
      sgemmOnArrays(false, false, m, n, k, 1f, a, 0, row0 * k, k, null, address(w.pointer()), 0, w.cols(), 1f, c,
          row0 * n, n);
      timed(PRODUCT_NANOS, System.nanoTime() - t, m, n, k, false, false, "frozen");
      return false;
    }
    Scratch s = SCRATCH.get();
    FloatPointer pa = s.a(m * k);
    FloatPointer pc = s.c(m * n);
    long t0 = System.nanoTime();
    copyIn(pa, a, row0 * k, m * k);
    COPY_NANOS.add(System.nanoTime() - t0);
    if (precision == Precision.BF16) {
      Dnnl.bf16(false, m, n, k, pa, k, s.h(m * k), w.bf16Pointer(), w.cols(), pc);
      copyOut(pc, c, row0 * n, m * n);
      for (int r = 0; r < m; r++) {
        int o = (row0 + r) * n;
        for (int j = 0; j < n; j++) {
          c[o + j] += bias[j];
        }
      }
      return false;
    }
    long t1 = System.nanoTime();
    try {
      for (int r = 0; r < m; r++) {
        pc.position((long) r * n).put(bias, 0, n);
      }
    } finally {
      pc.position(0);
    }
    long t2 = System.nanoTime();
    sgemm(false, false, m, n, k, 1f, pa, k, w.pointer(), w.cols(), 1f, pc, n);
    long t3 = System.nanoTime();
    copyOut(pc, c, row0 * n, m * n);
    timed(PRODUCT_NANOS, t3 - t2, m, n, k, false, false, "frozen");
    COPY_NANOS.add(t2 - t1 + System.nanoTime() - t3);
    return false;
  }

  /** Forms {@code side} (if any) from heap A [m, k] (leading dimension lda) as its own product. */
  private static void sideOnHeap(Side side, int m, int k, float[] a, int aOff, int lda) {
    if (side != null) {
      int r = side.r();
      gemm(false, side.transposed(), m, r, k, side.alpha(), a, aOff, lda, side.weight(), 0, side.transposed() ? k : r,
          0f, side.out(), 0, r);
    }
  }

  /**
   * How many row slices a product with a frozen B is cut into by {@link #frozenRows}: one per engine
   * thread when the product is large and has rows enough for every slice, else 1 (the caller then
   * runs it as one call, or cuts C's columns).
   */
  private static int rowSlices(int m, long flops) {
    int parts = Parallel.threads();
    boolean inTask = Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread;
    return parts == 1 || inTask || flops < MIN_SLICED_FLOPS || m < parts * MIN_SLICE ? 1 : parts;
  }

  /**
   * {@code C = alpha A op(W) + beta C (+ bias per row)} for heap A [m, k] and C [m, n], frozen W,
   * cut into one row slice per engine thread, each slice end to end on its own thread: copy its rows
   * of A off-heap, write the bias rows (or its rows of C when beta is not 0), run the product on
   * one single-threaded sgemm (or oneDNN under BF16, with the bias as the matmul's bias argument),
   * copy its rows of C back. It replaced one copy of all of A, one sliced product and one copy of
   * all of C, with the bias rows written (and under BF16 the bias added and alpha/beta applied) by
   * the calling thread alone. Measured (docs/benchmarks.md, issue 18, session 8): the copies' share
   * of a GPT-2-small FP32 step fell from 0.29-0.31 to 0.23-0.26 s but the step did not get faster;
   * the BF16 step's median moved 1.84 to 1.73 s, inside the spread.
   * Seconds are recorded per slice and averaged over the slices, so they stay comparable to the
   * wall-clock seconds of the other paths.
   */
  private static boolean frozenRows(boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, NativeMatrix w, float[] bias, float beta, float[] c, int cOff, int ldc, Side side) {
    count(m, n, k, false, transB, "frozen");
    boolean bf16 = precision == Precision.BF16;
    // The side product's weights, off-heap once on this thread (which waits while the slices read them).
    FloatPointer sideWeight = null;
    FloatPointer backWeight = null;
    // Under BF16 with alpha/beta the slice's off-heap rows are not yet C (Java scales them on the way
    // out), so the update is left to the caller there.
    boolean update = side != null && side.back() != null && !(bf16 && (alpha != 1f || beta != 0f));
    // On the arrays themselves where the shim loaded; under BF16 only where C is written whole and dense
    // (oneDNN writes the slice's rows as one block; alpha and beta are applied in Java otherwise).
    boolean pinned = onArrays && (!bf16 || (alpha == 1f && beta == 0f && ldc == n));
    if (side != null) {
      count(m, side.r(), k, false, side.transposed(), "side");
      if (update) {
        count(m, n, side.r(), false, side.backTransposed(), "side");
      }
    }
    if (side != null && !pinned) {
      Scratch caller = SCRATCH.get();
      sideWeight = caller.b(side.r() * k);
      sideWeight.put(side.weight(), 0, side.r() * k);
      if (update) {
        backWeight = caller.back(side.r() * n);
        backWeight.put(side.back(), 0, side.r() * n);
      }
    }
    FloatPointer sw = sideWeight;
    FloatPointer bw = backWeight;
    int parts = rowSlices(m, 2L * m * n * k);
    // Resolved once on this thread: a BF16-stored matrix widened for an FP32 product is widened once,
    // into this thread's buffer, which stays valid while the slices read it (this thread waits).
    FloatPointer wF32 = bf16 ? null : w.pointer();
    ShortPointer wBf16 = bf16 ? w.bf16Pointer() : null;
    long[] copyNanos = new long[parts];
    long[] productNanos = new long[parts];
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int r0 = (int) ((long) m * p / parts);
      int rows = (int) ((long) m * (p + 1) / parts) - r0;
      if (pinned) {
        long t = System.nanoTime();
        if (bf16) {
          Scratch s = SCRATCH.get();
          Dnnl.bf16RowsOnArrays(transB, rows, n, k, a, aOff + r0 * lda, lda, s.h(rows * k), wBf16, w.cols(),
              bias == null ? null : s.bias(bias), c, cOff + r0 * ldc);
        } else {
          frozenSliceOnArrays(transB, r0, rows, n, k, alpha, a, aOff, lda, wF32, w.cols(), bias, beta, c, cOff, ldc);
        }
        sideOnArrays(side, update, r0, rows, n, k, a, aOff, lda, c, cOff, ldc);
        productNanos[p] = System.nanoTime() - t;
        return;
      }
      Scratch s = SCRATCH.get();
      long t0 = System.nanoTime();
      FloatPointer pa = s.a(rows * k);
      rowsIn(pa, a, aOff + r0 * lda, lda, rows, k);
      FloatPointer pc = s.c(rows * n);
      if (bias != null && !bf16) {
        for (int r = 0; r < rows; r++) {
          pc.position((long) r * n).put(bias, 0, n);
        }
        pc.position(0);
      } else if (beta != 0f && !bf16) {
        rowsIn(pc, c, cOff + r0 * ldc, ldc, rows, n);
      }
      long t1 = System.nanoTime();
      if (bf16) {
        Dnnl.bf16Rows(transB, rows, n, k, pa, k, s.h(rows * k), wBf16, w.cols(), bias == null ? null : s.bias(bias),
            pc);
      } else {
        sgemmCall(false, transB, rows, n, k, alpha, pa, 0, k, wF32, 0, w.cols(), bias != null ? 1f : beta, pc, 0, n);
      }
      if (side != null) {
        // out = alpha A op(weight) for this slice's rows, from the slice's off-heap A.
        int r = side.r();
        FloatPointer pu = s.d(rows * r);
        sgemmCall(false, side.transposed(), rows, r, k, side.alpha(), pa, 0, k, sw, 0, side.transposed() ? k : r, 0f,
            pu, 0, r);
        pu.get(side.out(), r0 * r, rows * r);
        if (bw != null) {
          // C rows += backAlpha out op(back), into the slice's off-heap C before it is copied back.
          sgemmCall(false, side.backTransposed(), rows, n, r, side.backAlpha(), pu, 0, r, bw, 0,
              side.backTransposed() ? r : n, 1f, pc, 0, n);
        }
      }
      long t2 = System.nanoTime();
      if (bf16 && (alpha != 1f || beta != 0f)) {
        float[] row = s.row(n);
        for (int r = 0; r < rows; r++) {
          pc.position((long) r * n).get(row, 0, n);
          int o = cOff + (r0 + r) * ldc;
          for (int j = 0; j < n; j++) {
            c[o + j] = alpha * row[j] + (beta == 0f ? 0f : beta * c[o + j]);
          }
        }
        pc.position(0);
      } else {
        rowsOut(pc, c, cOff + r0 * ldc, ldc, rows, n);
      }
      copyNanos[p] = t1 - t0 + System.nanoTime() - t2;
      productNanos[p] = t2 - t1;
    });
    long copy = 0;
    long product = 0;
    for (int p = 0; p < parts; p++) {
      copy += copyNanos[p];
      product += productNanos[p];
    }
    timed(PRODUCT_NANOS, product / parts, m, n, k, false, transB, "frozen");
    COPY_NANOS.add(copy / parts);
    return update;
  }

  /**
   * One row slice of {@link #frozenRows} under FP32 straight on the Java arrays ({@link PinnedProducts}):
   * the bias rows written into C and the product, with no copy.
   */
  private static void frozenSliceOnArrays(boolean transB, int r0, int rows, int n, int k, float alpha, float[] a,
      int aOff, int lda, FloatPointer w, int ldw, float[] bias, float beta, float[] c, int cOff, int ldc) {
    int aRow = aOff + r0 * lda;
    int cRow = cOff + r0 * ldc;
    if (bias != null) {
      for (int r = 0; r < rows; r++) {
        System.arraycopy(bias, 0, c, cRow + r * ldc, n);
      }
    }
    PinnedProducts.sgemm(false, transB, rows, n, k, alpha, a, 0, aRow, lda, null, address(w), 0, ldw,
        bias != null ? 1f : beta, c, 0, cRow, ldc);
  }

  /** {@link #frozenRows}'s side product (and its update of C, if {@code update}) for one slice, on the arrays. */
  private static void sideOnArrays(Side side, boolean update, int r0, int rows, int n, int k, float[] a, int aOff,
      int lda, float[] c, int cOff, int ldc) {
    int aRow = aOff + r0 * lda;
    int cRow = cOff + r0 * ldc;
    if (side != null) {
      int r = side.r();
      PinnedProducts.sgemm(false, side.transposed(), rows, r, k, side.alpha(), a, 0, aRow, lda, side.weight(), 0, 0,
          side.transposed() ? k : r, 0f, side.out(), 0, r0 * r, r);
      if (update) {
        PinnedProducts.sgemm(false, side.backTransposed(), rows, n, r, side.backAlpha(), side.out(), 0, r0 * r, r,
            side.back(), 0, 0, side.backTransposed() ? r : n, 1f, c, 0, cRow, ldc);
      }
    }
  }

  /** The address of {@code p}'s current position. */
  private static long address(FloatPointer p) {
    return p.address() + p.position() * Float.BYTES;
  }

  /** Rows of a heap matrix (leading dimension ld) into dense off-heap rows of {@code cols} values. */
  private static void rowsIn(FloatPointer dst, float[] src, int off, int ld, int rows, int cols) {
    if (ld == cols) {
      dst.put(src, off, rows * cols);
      return;
    }
    try {
      for (int r = 0; r < rows; r++) {
        dst.position((long) r * cols).put(src, off + r * ld, cols);
      }
    } finally {
      dst.position(0);
    }
  }

  /** Dense off-heap rows of {@code cols} values into rows of a heap matrix (leading dimension ld). */
  private static void rowsOut(FloatPointer src, float[] dst, int off, int ld, int rows, int cols) {
    if (ld == cols) {
      src.get(dst, off, rows * cols);
      return;
    }
    try {
      for (int r = 0; r < rows; r++) {
        src.position((long) r * cols).get(dst, off + r * ld, cols);
      }
    } finally {
      src.position(0);
    }
  }

  /**
   * {@code C = alpha A^T B + beta C} for a thin C (LoRA weight gradients: [out, r] and [r, in]
   * summed over thousands of rows): in Java column blocks ({@link #thinColumns}) when one side is
   * wide. Otherwise (and with {@code -Dcohort.thin=blas}) on OpenBLAS: one multi-threaded sgemm
   * splits such a product badly (0.3.19 with SKYLAKEX kernels: 19-24 GFLOP/s on 2 threads against
   * 27-37 on one), so the k rows are cut into one slice per thread; each thread copies its slice and
   * runs a single-threaded sgemm into its own partial result, and the partials are summed into C.
   */
  private static void skinnyTransposedA(int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    count(m, n, k, true, false, "thin");
    long t0 = System.nanoTime();
    boolean inTask = Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread;
    if (onArrays && m >= n && !"java".equals(THIN_MODE)) {
      thinOnArrays(inTask, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      timed(THIN_NANOS, System.nanoTime() - t0, m, n, k, true, false, "thin");
      return;
    }
    if (onArrays && WIDE_TRANSPOSED && !"java".equals(THIN_MODE)) {
      wideAsTall(inTask, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      timed(THIN_NANOS, System.nanoTime() - t0, m, n, k, true, false, "thin");
      return;
    }
    if (!"blas".equals(THIN_MODE) && Math.max(m, n) >= MIN_THIN_JAVA_WIDTH) {
      thinColumns(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      timed(THIN_NANOS, System.nanoTime() - t0, m, n, k, true, false, "thin");
      return;
    }
    int parts = inTask ? 1 : Math.max(1, Math.min(Parallel.threads(), k / 256));
    float[][] partial = new float[parts][];
    Runnable slices = () -> Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int k0 = (int) ((long) k * p / parts);
      int k1 = (int) ((long) k * (p + 1) / parts);
      partial[p] = thinSlice(m, n, k1 - k0, a, aOff + k0 * lda, lda, b, bOff + k0 * ldb, ldb);
    });
    slices.run();
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      int pi = i * n;
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (float[] part : partial) {
          sum += part[pi + j];
        }
        c[ci + j] = alpha * sum + (beta == 0f ? 0f : beta * c[ci + j]);
      }
    }
    timed(THIN_NANOS, System.nanoTime() - t0, m, n, k, true, false, "thin");
  }

  /** Inner dimensions up to which a product with a wide result runs as {@link #lowRank} updates. */
  private static final int LOW_RANK = 32;
  /** Result widths from which {@link #lowRank} is used (narrower results are not worth a row pass). */
  private static final int MIN_LOW_RANK_WIDTH = 64;
  /** {@code -Dcohort.lowrank=blas} sends these products to OpenBLAS as before (for comparison). */
  private static final boolean LOW_RANK_IN_JAVA = !"blas".equals(System.getProperty("cohort.lowrank"));

  /**
   * {@code C = alpha A op(B) + beta C} for a small inner dimension k (LoRA's {@code y += s (x A^T) B^T}
   * and {@code dx += (dy B) A}, k = the rank) in Java, on the heap arrays themselves: each row of C
   * gets k axpy passes ({@code C[row] += alpha A[row, j] op(B)[j]}) while it sits in L1. On OpenBLAS the
   * same product copied C ([rows, out], 20 MB at an MLP's width) off-heap and back, plus A, for 2 k
   * FLOPs per value of C: the copies, not the arithmetic, were its cost.
   */
  private static void lowRank(boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    count(m, n, k, false, transB, "lowrank");
    long t0 = System.nanoTime();
    // op(B) as k rows of n, each an array of its own, and C's row copied into a local array: the
    // update loop then indexes both at the same offset, which C2 vectorises (with different
    // offsets into arrays that might be the same one, it cannot prove independence and does not).
    float[][] rowsOfB = new float[k][n];
    for (int j = 0; j < k; j++) {
      for (int o = 0; o < n; o++) {
        rowsOfB[j][o] = transB ? b[bOff + o * ldb + j] : b[bOff + j * ldb + o];
      }
    }
    int parts = Math.max(1, Math.min(Parallel.threads() * 4, m / 8));
    Parallel.forEach(parts, (long) m / parts * n * k, p -> {
      int r0 = (int) ((long) m * p / parts);
      int r1 = (int) ((long) m * (p + 1) / parts);
      float[] row = new float[n];
      for (int r = r0; r < r1; r++) {
        int ci = cOff + r * ldc;
        if (beta == 0f) {
          java.util.Arrays.fill(row, 0f);
        } else {
          System.arraycopy(c, ci, row, 0, n);
          if (beta != 1f) {
            for (int o = 0; o < n; o++) {
              row[o] *= beta;
            }
          }
        }
        int ai = aOff + r * lda;
        for (int j = 0; j < k; j++) {
          float coef = alpha * a[ai + j];
          float[] bj = rowsOfB[j];
          for (int o = 0; o < n; o++) {
            row[o] += coef * bj[o];
          }
        }
        System.arraycopy(row, 0, c, ci, n);
      }
    });
    timed(PRODUCT_NANOS, System.nanoTime() - t0, m, n, k, false, transB, "lowrank");
  }

  /**
   * Thin A^T B products: tall ones on OpenBLAS straight on the arrays where the JNI shim loaded, else in Java
   * ({@link #thinColumns}); {@code -Dcohort.thin=java} keeps them in Java, {@code -Dcohort.thin=blas}
   * without the shim sends them to the k-sliced sgemm on copies (for comparison).
   */
  private static final String THIN_MODE = System.getProperty("cohort.thin", "auto");
  /** The wide side from which {@link #thinColumns} runs (narrow products stay on one sgemm call). */
  private static final int MIN_THIN_JAVA_WIDTH = 64;
  /** Columns of the wide operand per task of {@link #thinColumns}: 16 x 256 sums and four rows in L1. */
  private static final int THIN_BLOCK = 256;

  /**
   * {@code C = alpha A^T B + beta C} for a thin C ({@code min(m, n) <= SKINNY}) in Java, on the heap
   * arrays: the wide operand's columns are cut into blocks, one task each; a task walks all k rows,
   * adding each row's block times each of the narrow operand's few values into a small block of
   * sums that stays in L1 (axpy loops, which the JIT vectorises). Every value of both operands is
   * read from memory once and nothing is copied off-heap; the sliced sgemm it replaces copied both
   * operands (20 MB for a Qwen MLP gradient) and ran OpenBLAS at a shape it is slow at.
   */
  private static void thinColumns(int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    // C [m, n] = A^T B. Narrow result rows (m small): sums[i][j] over B's columns j, C's own layout.
    // Narrow result columns (n small): sums[j][i] over A's columns i, i.e. C transposed.
    boolean narrowRows = m <= n;
    int narrow = narrowRows ? m : n;
    int wide = narrowRows ? n : m;
    float[] small = narrowRows ? a : b;
    int smallOff = narrowRows ? aOff : bOff;
    int smallLd = narrowRows ? lda : ldb;
    float[] large = narrowRows ? b : a;
    int largeOff = narrowRows ? bOff : aOff;
    int largeLd = narrowRows ? ldb : lda;
    // At least two blocks per thread (a width of 896 in 512-wide blocks left one thread a quarter
    // idle), at most THIN_BLOCK wide, a multiple of 16 floats (one AVX-512 vector).
    int tasks = Parallel.threads() * 2;
    int blockWidth = Math.min(THIN_BLOCK, Math.max(16, ((wide + tasks - 1) / tasks + 15) / 16 * 16));
    int blocks = (wide + blockWidth - 1) / blockWidth;
    Parallel.forEach(blocks, (long) k * narrow * blockWidth, blk -> {
      int w0 = blk * blockWidth;
      int width = Math.min(blockWidth, wide - w0);
      // Sums per narrow index and the wide rows' block, each an array of its own indexed from 0, so
      // that C2 vectorises the update (see lowRank). Four rows of k per pass, as explicit fused
      // multiply-adds (C2 does not fuse a * b + c itself): each load and store of a sum then
      // carries four of them, not one. One row per pass ran 25-40 GFLOP/s on two threads at the
      // Qwen shapes (4864 x 16 x 1024, 896 x 16 x 1024), four rows 37-51 (ThinColumns probe, 2026-12-07).
      float[][] sums = new float[narrow][width];
      float[] b0 = new float[width];
      float[] b1 = new float[width];
      float[] b2 = new float[width];
      float[] b3 = new float[width];
      int row = 0;
      for (; row + 4 <= k; row += 4) {
        int lo = largeOff + row * largeLd + w0;
        System.arraycopy(large, lo, b0, 0, width);
        System.arraycopy(large, lo + largeLd, b1, 0, width);
        System.arraycopy(large, lo + 2 * largeLd, b2, 0, width);
        System.arraycopy(large, lo + 3 * largeLd, b3, 0, width);
        int si = smallOff + row * smallLd;
        for (int s = 0; s < narrow; s++) {
          float c0 = small[si + s];
          float c1 = small[si + smallLd + s];
          float c2 = small[si + 2 * smallLd + s];
          float c3 = small[si + 3 * smallLd + s];
          float[] sum = sums[s];
          for (int w = 0; w < width; w++) {
            sum[w] = Math.fma(c3, b3[w], Math.fma(c2, b2[w], Math.fma(c1, b1[w], Math.fma(c0, b0[w], sum[w]))));
          }
        }
      }
      for (; row < k; row++) {
        int si = smallOff + row * smallLd;
        System.arraycopy(large, largeOff + row * largeLd + w0, b0, 0, width);
        for (int s = 0; s < narrow; s++) {
          float coef = small[si + s];
          float[] sum = sums[s];
          for (int w = 0; w < width; w++) {
            sum[w] = Math.fma(coef, b0[w], sum[w]);
          }
        }
      }
      for (int s = 0; s < narrow; s++) {
        for (int w = 0; w < width; w++) {
          int ci = narrowRows ? cOff + s * ldc + w0 + w : cOff + (w0 + w) * ldc + s;
          float v = alpha * sums[s][w];
          c[ci] = beta == 0f ? v : v + beta * c[ci];
        }
      }
    });
  }

  /**
   * A tall thin {@code C = alpha A^T B + beta C} (m >= n) on OpenBLAS straight on the arrays, C's rows
   * cut into one slice per thread, each one sgemm writing its rows of C. Measured in the shape profile
   * of a Qwen2.5-0.5B BF16 step (session 11): [4864, 16] over 1024 rows 73-74 GFLOP/s on two threads
   * against 46 for {@link #thinColumns}, [896, 16] 56-58 against 36; a wide short C ([16, 4864]) ran at
   * 28 against 36, also as its transpose (B^T A, then transposed into place: 33-36), so it stays in Java.
   */
  private static void thinOnArrays(boolean inTask, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    int parts = inTask ? 1 : Math.max(1, Math.min(Parallel.threads(), m / MIN_SLICE));
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int r0 = (int) ((long) m * p / parts);
      int r1 = (int) ((long) m * (p + 1) / parts);
      // Rows [r0, r1) of C = columns [r0, r1) of A, transposed, times B.
      PinnedProducts.sgemm(true, false, r1 - r0, n, k, alpha, a, 0, aOff + r0, lda, b, 0, bOff, ldb, beta, c, 0,
          cOff + r0 * ldc, ldc);
    });
  }

  /**
   * Wide short thin products ({@code m < n}: LoRA's {@code dA = du^T x}, [r, in]) as their transpose,
   * {@code C^T = B^T A} ([n, m], tall) on {@link #thinOnArrays}, then transposed into C. Measured on
   * the shapes of a Qwen2.5-0.5B step, two threads (AMD EPYC, AVX-512; ThinProbe, docs/benchmarks.md
   * session 13): [16, 896] over 1,024 rows 46 GFLOP/s in Java ({@link #thinColumns}) against 83 for
   * [896, 16] on OpenBLAS; on the Intel Xeon of session 11 the two were level (33-36), so this is the
   * default and {@code -Dcohort.thin.wide=java} keeps the Java path for comparison.
   */
  private static void wideAsTall(boolean inTask, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    float[] ct = new float[n * m];
    thinOnArrays(inTask, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, 0f, ct, 0, m);
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        float v = ct[j * m + i];
        c[ci + j] = beta == 0f ? v : v + beta * c[ci + j];
      }
    }
  }

  /** {@code -Dcohort.thin.wide=java}: wide short thin products in Java, not as their transpose on OpenBLAS. */
  private static final boolean WIDE_TRANSPOSED = !"java".equals(System.getProperty("cohort.thin.wide"));

  /** A^T B [m, n] over k rows of A [k, m] and B [k, n], on this thread's scratch, dense row-major. */
  private static float[] thinSlice(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb) {
    float[] out = new float[m * n];
    if (k == 0) {
      return out;
    }
    Scratch s = SCRATCH.get();
    int aSpan = span(k, m, lda);
    int bSpan = span(k, n, ldb);
    FloatPointer pa = s.a(aSpan);
    FloatPointer pb = s.b(bSpan);
    FloatPointer pc = s.c(m * n);
    pa.put(a, aOff, aSpan);
    pb.put(b, bOff, bSpan);
    openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, n, k, 1f, pa, lda,
        pb, ldb, 0f, pc, n);
    pc.get(out, 0, m * n);
    return out;
  }

  /** Products below this many FLOPs run as one call: a fork costs more than they would gain. */
  private static final long MIN_SLICED_FLOPS = 1L << 21;
  /** Rows (or columns) a slice must have at least, so that each slice is still a product worth a call. */
  private static final int MIN_SLICE = 32;

  /** Copies of at least this many floats are split over the threads (one core's memcpy is the limit). */
  private static final int PARALLEL_COPY = 1 << 19;

  /** {@code dst[0, len) = src[off, off + len)}, split over the threads when large and not inside a task. */
  private static void copyIn(FloatPointer dst, float[] src, int off, int len) {
    int parts = copyParts(len);
    if (parts == 1) {
      dst.put(src, off, len);
      return;
    }
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int from = (int) ((long) len * p / parts);
      int to = (int) ((long) len * (p + 1) / parts);
      dst.getPointer(FloatPointer.class, from).put(src, off + from, to - from);
    });
  }

  /** {@code dst[off, off + len) = src[0, len)}, split as {@link #copyIn}. */
  private static void copyOut(FloatPointer src, float[] dst, int off, int len) {
    int parts = copyParts(len);
    if (parts == 1) {
      src.get(dst, off, len);
      return;
    }
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int from = (int) ((long) len * p / parts);
      int to = (int) ((long) len * (p + 1) / parts);
      src.getPointer(FloatPointer.class, from).get(dst, off + from, to - from);
    });
  }

  private static int copyParts(int len) {
    if (len < PARALLEL_COPY || Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread) {
      return 1;
    }
    return Parallel.threads();
  }

  private static int span(int rows, int cols, int ld) {
    return rows == 0 ? 0 : (rows - 1) * ld + cols;
  }

  /** Per-thread off-heap buffers that only grow (to the largest product the thread has run). */
  private static final class Scratch {
    private FloatPointer a = new FloatPointer(1);
    private FloatPointer b = new FloatPointer(1);
    private FloatPointer c = new FloatPointer(1);
    private FloatPointer d = new FloatPointer(1);
    private ShortPointer h = new ShortPointer(1);
    private FloatPointer bias = new FloatPointer(1);
    private FloatPointer back = new FloatPointer(1);
    private float[] row = new float[0];

    /** A side product's update weight (see {@link Side}), read by the slices while this thread waits. */
    FloatPointer back(int n) {
      back = grow(back, n);
      return back;
    }

    FloatPointer a(int n) {
      a = grow(a, n);
      return a;
    }

    FloatPointer b(int n) {
      b = grow(b, n);
      return b;
    }

    FloatPointer c(int n) {
      c = grow(c, n);
      return c;
    }

    FloatPointer d(int n) {
      d = grow(d, n);
      return d;
    }

    /** BF16 operand scratch. */
    ShortPointer h(int n) {
      if (h.capacity() < n) {
        h.deallocate();
        h = new ShortPointer(Math.max(n, h.capacity() * 3 / 2));
      }
      return h;
    }

    /** The bias off-heap, for oneDNN's matmul (n values, rewritten on every call). */
    FloatPointer bias(float[] values) {
      bias = grow(bias, values.length);
      bias.put(values, 0, values.length);
      return bias;
    }

    float[] row(int n) {
      if (row.length < n) {
        row = new float[n];
      }
      return row;
    }

    private static FloatPointer grow(FloatPointer p, int n) {
      if (p.capacity() >= n) {
        return p;
      }
      p.deallocate();
      return new FloatPointer(Math.max(n, p.capacity() * 3 / 2));
    }
  }
}
