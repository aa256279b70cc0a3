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
 * (no synchronisation between the stages). The products run on oneDNN's matmul, single-threaded per
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
    int parts = Math.max(1, Math.min(Parallel.threads(), n / MIN_ROWS_PER_PART));
    double[] perPart = new double[parts];
    Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
      int r0 = (int) ((long) n * p / parts);
      int r1 = (int) ((long) n * (p + 1) / parts);
      perPart[p] = rows(head, hidden, from + r0, r1 - r0, ids, firstTarget + r0, weight, dHidden);
    });
    double sum = 0;
    for (double v : perPart) {
      sum += v;
    }
    return sum;
  }

  /** One thread's rows, end to end. */
  private static double rows(NativeMatrix head, float[] hidden, int row0, int rows, int[] ids, int firstTarget,
      float weight, float[] dHidden) {
    if (rows == 0) {
      return 0;
    }
    int vocab = head.rows();
    int width = head.cols();
    Buffers b = BUFFERS.get();
    b.ensure(rows, vocab, width);
    b.h.position(0).put(hidden, row0 * width, rows * width);
    boolean bf16 = Blas.precision() == Precision.BF16;
    long t0 = System.nanoTime();
    // logits = h W^T: [rows, width] x [vocab, width]^T
    if (bf16) {
      Dnnl.bf16(true, rows, vocab, width, b.h, width, b.bf16(rows * width), head.bf16Pointer(), width,
          b.logits.position(0));
    } else if (DNNL_F32) {
      Dnnl.f32(true, rows, vocab, width, b.h, width, head.pointer(), width, b.logits.position(0));
    } else {
      openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, rows, vocab, width,
          1f, b.h, width, head.pointer(), width, 0f, b.logits.position(0), vocab);
    }
    long t1 = System.nanoTime();
    Blas.countFused(rows, vocab, width, false, true, t1 - t0);
    DnnlSoftmax.run(b.logits.position(0), b.probs.position(0), rows, vocab);
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      int target = ids[firstTarget + r];
      long at = (long) r * vocab + target;
      float p = b.probs.get(at);
      if (p >= Float.MIN_NORMAL) {
        sum -= Math.log(p);
      } else {
        // The target's logit is ~87 or more below the row's maximum: its probability underflows
        // float, so score the row from its logits (kept in b.logits) in double.
        sum += exactNll(b.logits, (long) r * vocab, vocab, target);
      }
      if (dHidden != null) {
        b.probs.put(at, p - 1f);
      }
    }
    if (dHidden != null && (bf16 || DNNL_F32)) {
      // dh += weight (softmax - onehot) W: the product [rows, vocab] x [vocab, width] on oneDNN into
      // b.h, the scaled update in Java (rows x width values; the weight differs from example to
      // example, so it is not baked into the primitive).
      long t2 = System.nanoTime();
      if (bf16) {
        Dnnl.bf16(false, rows, width, vocab, b.probs.position(0), vocab, b.bf16(rows * vocab), head.bf16Pointer(),
            width, b.h.position(0));
      } else {
        Dnnl.f32(false, rows, width, vocab, b.probs.position(0), vocab, head.pointer(), width, b.h.position(0));
      }
      Blas.countFused(rows, width, vocab, false, false, System.nanoTime() - t2);
      float[] product = new float[rows * width];
      b.h.position(0).get(product, 0, product.length);
      int o = row0 * width;
      for (int i = 0; i < product.length; i++) {
        dHidden[o + i] += weight * product[i];
      }
    } else if (dHidden != null) {
      // dh += weight (softmax - onehot) W: [rows, vocab] x [vocab, width]
      b.h.position(0).put(dHidden, row0 * width, rows * width);
      long t2 = System.nanoTime();
      openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, rows, width, vocab,
          weight, b.probs.position(0), vocab, head.pointer(), width, 1f, b.h, width);
      Blas.countFused(rows, width, vocab, false, false, System.nanoTime() - t2);
      b.h.position(0).get(dHidden, row0 * width, rows * width);
    }
    return sum;
  }

  private static double exactNll(FloatPointer logits, long offset, int vocab, int target) {
    float[] row = new float[vocab];
    logits.position(offset).get(row, 0, vocab);
    logits.position(0);
    double max = Double.NEGATIVE_INFINITY;
    for (float v : row) {
      max = Math.max(max, v);
    }
    double z = 0;
    for (float v : row) {
      z += Math.exp(v - max);
    }
    return max + Math.log(z) - row[target];
  }

  /**
   * A thread's off-heap hidden rows (and their gradient), logits and probabilities, and (BF16) the
   * product's left operand rounded to BF16, grown as needed.
   */
  private static final class Buffers {
    FloatPointer h = new FloatPointer(1);
    FloatPointer logits = new FloatPointer(1);
    FloatPointer probs = new FloatPointer(1);
    ShortPointer bf16 = new ShortPointer(1);

    ShortPointer bf16(long values) {
      if (bf16.capacity() < values) {
        bf16.deallocate();
        bf16 = new ShortPointer(values);
      }
      return bf16;
    }

    void ensure(int rows, int vocab, int width) {
      long big = (long) rows * vocab;
      if (logits.capacity() < big) {
        logits.deallocate();
        probs.deallocate();
        logits = new FloatPointer(big);
        probs = new FloatPointer(big);
      }
      if (h.capacity() < (long) rows * width) {
        h.deallocate();
        h = new FloatPointer((long) rows * width);
      }
    }
  }
}
