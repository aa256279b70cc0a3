package io.cohort.lm.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Next-token loss through a frozen output head, fused off-heap: for a block of rows of the final
 * hidden states, the logits {@code h W^T} ([rows, vocab]), their softmax (oneDNN), each row's
 * negative log-likelihood, and (training) the input gradient {@code dh += weight (softmax - onehot) W}
 * — without the logits ever coming onto the Java heap.
 *
 * <p>Why: at a 50,257-token vocabulary the logits of 64 rows are 12.9 MB, and the unfused path
 * moved them through memory about a dozen times (product into off-heap, copy to the heap, copy to
 * oneDNN, softmax, copy back, scale, copy off-heap again for the backward product). Here they are
 * written once by the product, read and written once by the softmax, and read once by the backward
 * product. The {@code - onehot} is one store per row before the backward product, whose small
 * [rows, width] result is scaled by the example's weight into {@code dh} in Java.
 *
 * <p>Rows are split over the engine's threads, each running its rows end to end on its own buffers
 * (no synchronisation between the stages). The softmax runs in place on the logits, so a thread holds
 * one [rows, vocab] FP32 buffer (plus its BF16 copy under BF16), and the rows of a block may come from
 * several examples ({@link #sum(NativeMatrix, float[], int[], int[], float[], int, float[])}): the
 * head's products are memory-bound at a few dozen rows against a 151,936 x 896 head, and run nearer
 * the machine's peak the more rows share one pass over it. The products run on oneDNN's matmul, single-threaded per
 * engine thread: in FP32 (OpenBLAS repacks the whole head on every call; 1.2–1.4x slower here,
 * {@code -Dcohort.head.product=openblas} keeps it for comparison), or under {@link Precision#BF16}
 * against the head's BF16 copy (activations and probabilities rounded to BF16, FP32 accumulation),
 * as the unfused path's are.
 */
public final class OutputHeadLoss {
  /** Rows below which a block is not split over threads. */
  private static final int MIN_ROWS_PER_PART = 8;
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);
  private static final boolean DNNL_F32 = !"openblas".equals(System.getProperty("cohort.head.product"));
  /** Head rows per oneDNN call of the FP32 input gradient (see inputGradientF32); a test hook sets it lower. */
  static volatile int backwardChunk = 16384;

  private OutputHeadLoss() {}

  /**
   * Whether {@link #sum} can run for this head: oneDNN's softmax loads, and the head is held as F32
   * (FP32 products) or the products are BF16 (oneDNN's BF16 matmul on the head's BF16 copy).
   */
  public static boolean supports(NativeMatrix head) {
    return head != null && DnnlSoftmax.available() && (Blas.precision() == Precision.BF16 || head.isF32());
  }

  /**
   * Sum of the negative log-likelihoods of rows {@code [from, from + n)} of {@code hidden} ([*, width]
   * row-major, width = {@code head.cols()}), row {@code from + r} predicting {@code ids[firstTarget +
   * r]}, through {@code head} ([vocab, width]). With {@code dHidden} (same layout as hidden), adds
   * {@code weight * dNLL/dh} to its rows {@code [from, from + n)}.
   */
  public static double sum(NativeMatrix head, float[] hidden, int from, int n, int[] ids, int firstTarget,
      float weight, float[] dHidden) {
    int[] rows = new int[n];
    int[] targets = new int[n];
    float[] weights = new float[n];
    for (int r = 0; r < n; r++) {
      rows[r] = from + r;
      targets[r] = ids[firstTarget + r];
      weights[r] = weight;
    }
    return sum(head, hidden, rows, targets, weights, n, dHidden);
  }

  /**
   * Sum of the negative log-likelihoods of the first {@code n} listed rows: hidden row {@code rows[r]}
   * ([*, width] row-major) predicting token {@code targets[r]}; with {@code dHidden} (same layout as
   * hidden), adds {@code weights[r] * dNLL/dh} to its row {@code rows[r]}. The rows may come from
   * different examples (each with its own weight), so one block can span a batch's short examples
   * and the head's products get as many rows as the block allows. Listed rows must be distinct.
   */
  public static double sum(NativeMatrix head, float[] hidden, int[] rows, int[] targets, float[] weights, int n,
      float[] dHidden) {
    int parts = Math.max(1, Math.min(Parallel.threads(), n / MIN_ROWS_PER_PART));
    double[] perPart = new double[parts];
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int r0 = (int) ((long) n * p / parts);
      int r1 = (int) ((long) n * (p + 1) / parts);
      perPart[p] = rows(head, hidden, rows, targets, weights, r0, r1 - r0, dHidden);
    });
    double sum = 0;
    for (double v : perPart) {
      sum += v;
    }
    return sum;
  }

  /** One thread's rows {@code [first, first + count)} of the lists, end to end. */
  private static double rows(NativeMatrix head, float[] hidden, int[] rows, int[] targets, float[] weights,
      int first, int count, float[] dHidden) {
    if (count == 0) {
      return 0;
    }
    int vocab = head.rows();
    int width = head.cols();
    Buffers b = BUFFERS.get();
    b.ensure(count, vocab, width);
    for (int r = 0; r < count; r++) {
      b.h.position((long) r * width).put(hidden, rows[first + r] * width, width);
    }
    b.h.position(0);
    boolean bf16 = Blas.precision() == Precision.BF16;
    long t0 = System.nanoTime();
    // logits = h W^T: [count, width] x [vocab, width]^T, into the buffer the softmax then overwrites.
    logits(head, bf16, count, b.h, b, b.probs.position(0));
    Blas.countFused(count, vocab, width, false, true, System.nanoTime() - t0);
    DnnlSoftmax.run(b.probs.position(0), b.probs.position(0), count, vocab);
    double sum = 0;
    for (int r = 0; r < count; r++) {
      int target = targets[first + r];
      long at = (long) r * vocab + target;
      float p = b.probs.get(at);
      if (p >= Float.MIN_NORMAL) {
        sum -= Math.log(p);
      } else {
        // The target's logit is ~87 or more below the row's maximum: its probability underflows
        // float. The softmax overwrote the logits (one buffer, not two, of [rows, vocab]), so this
        // rare row's logits are formed again, alone, and scored in double.
        sum += exactNll(head, bf16, b, r, target);
      }
      if (dHidden != null) {
        b.probs.put(at, p - 1f);
      }
    }
    if (dHidden != null) {
      // dh += weight (softmax - onehot) W: the product [count, vocab] x [vocab, width] into b.h (the
      // gathered rows are no longer needed), each row then scaled by its own weight into dHidden.
      long t2 = System.nanoTime();
      if (bf16) {
        Dnnl.bf16Rows(false, count, width, vocab, b.probs.position(0), vocab, b.bf16((long) count * vocab),
            head.bf16Pointer(), width, null, b.h.position(0));
      } else if (DNNL_F32) {
        inputGradientF32(count, width, vocab, b.probs.position(0), head.pointer(), b.h.position(0), b);
      } else {
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, count, width,
            vocab, 1f, b.probs.position(0), vocab, head.pointer(), width, 0f, b.h.position(0), width);
      }
      Blas.countFused(count, width, vocab, false, false, System.nanoTime() - t2);
      float[] product = b.product(count * width);
      b.h.position(0).get(product, 0, count * width);
      for (int r = 0; r < count; r++) {
        float w = weights[first + r];
        int o = rows[first + r] * width;
        int q = r * width;
        for (int j = 0; j < width; j++) {
          dHidden[o + j] += w * product[q + j];
        }
      }
    }
    return sum;
  }

  /**
   * {@code out = P W} ([m, vocab] x [vocab, width], FP32 on oneDNN) as one call per {@link
   * #backwardChunk} rows of the head, summed into {@code out}. Why: with the whole vocabulary as its
   * inner dimension oneDNN 2.5's FP32 matmul ran at 136-141 GFLOP/s per thread at Qwen's head (256 x
   * 151,936 x 896, two threads, AMD EPYC with AVX-512), in 16,384-row pieces at 194-203, and OpenBLAS
   * at 155-158 (HeadBwdProbe, docs/benchmarks.md session 13). The partial sums add 2 m width FLOPs per
   * piece, nothing against the piece's 2 m width 16,384.
   */
  private static void inputGradientF32(int m, int width, int vocab, FloatPointer probs, FloatPointer head,
      FloatPointer out, Buffers b) {
    int chunk = backwardChunk;
    if (vocab <= chunk) {
      Dnnl.f32(false, m, width, vocab, probs, vocab, head, width, out);
      return;
    }
    FloatPointer part = b.partial((long) m * width);
    long probsAt = probs.address() + probs.position() * 4L;
    long headAt = head.address() + head.position() * 4L;
    for (int v0 = 0; v0 < vocab; v0 += chunk) {
      int n = Math.min(chunk, vocab - v0);
      // Columns [v0, v0 + n) of P against rows [v0, v0 + n) of W; the first piece writes out, the
      // others go to part and are added (the matmul has no beta).
      Dnnl.f32(false, m, width, n, new Dnnl.At(probsAt + 4L * v0), vocab, new Dnnl.At(headAt + 4L * v0 * width),
          width, v0 == 0 ? out : part);
      if (v0 > 0) {
        openblas.cblas_saxpy(m * width, 1f, part, 1, out, 1);
      }
    }
  }

  /**
   * {@code out = h W^T} for {@code m} rows of {@code h} (off-heap, [m, width]), on this thread only:
   * oneDNN's BF16 matmul against the head's BF16 copy, oneDNN's FP32 matmul, or OpenBLAS.
   */
  private static void logits(NativeMatrix head, boolean bf16, int m, FloatPointer h, Buffers b, FloatPointer out) {
    int vocab = head.rows();
    int width = head.cols();
    if (bf16) {
      Dnnl.bf16Rows(true, m, vocab, width, h, width, b.bf16((long) m * width), head.bf16Pointer(), width, null,
          out);
    } else if (DNNL_F32) {
      Dnnl.f32(true, m, vocab, width, h, width, head.pointer(), width, out);
    } else {
      openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, m, vocab, width,
          1f, h, width, head.pointer(), width, 0f, out, vocab);
    }
  }

  /** Row {@code r}'s NLL in double from its logits, formed again from its gathered hidden row in {@code b.h}. */
  private static double exactNll(NativeMatrix head, boolean bf16, Buffers b, int r, int target) {
    int vocab = head.rows();
    int width = head.cols();
    FloatPointer h = new FloatPointer(width);
    FloatPointer row = new FloatPointer(vocab);
    ShortPointer rounded = new ShortPointer(width);
    try {
      float[] hRow = new float[width];
      b.h.position((long) r * width).get(hRow, 0, width);
      b.h.position(0);
      h.put(hRow, 0, width);
      if (bf16) {
        Dnnl.bf16Rows(true, 1, vocab, width, h, width, rounded, head.bf16Pointer(), width, null, row);
      } else if (DNNL_F32) {
        Dnnl.f32(true, 1, vocab, width, h, width, head.pointer(), width, row);
      } else {
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, 1, vocab, width,
            1f, h, width, head.pointer(), width, 0f, row, vocab);
      }
      float[] logits = new float[vocab];
      row.get(logits, 0, vocab);
      double max = Double.NEGATIVE_INFINITY;
      for (float v : logits) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (float v : logits) {
        z += Math.exp(v - max);
      }
      return max + Math.log(z) - logits[target];
    } finally {
      h.deallocate();
      row.deallocate();
      rounded.deallocate();
    }
  }

  /**
   * A thread's off-heap hidden rows (and their gradient), logits (overwritten by their probabilities),
   * (BF16) the products' left operand rounded to BF16, and the gradient rows on the heap, grown as needed.
   */
  private static final class Buffers {
    FloatPointer h = new FloatPointer(1);
    FloatPointer probs = new FloatPointer(1);
    ShortPointer bf16 = new ShortPointer(1);
    FloatPointer partial = new FloatPointer(1);
    float[] product = new float[0];

    FloatPointer partial(long values) {
      if (partial.capacity() < values) {
        partial.deallocate();
        partial = new FloatPointer(values);
      }
      return partial.position(0);
    }

    float[] product(int values) {
      if (product.length < values) {
        product = new float[values];
      }
      return product;
    }

    ShortPointer bf16(long values) {
      if (bf16.capacity() < values) {
        bf16.deallocate();
        bf16 = new ShortPointer(values);
      }
      return bf16;
    }

    void ensure(int rows, int vocab, int width) {
      long big = (long) rows * vocab;
      if (probs.capacity() < big) {
        probs.deallocate();
        probs = new FloatPointer(big);
      }
      if (h.capacity() < (long) rows * width) {
        h.deallocate();
        h = new FloatPointer((long) rows * width);
      }
    }
  }
}
