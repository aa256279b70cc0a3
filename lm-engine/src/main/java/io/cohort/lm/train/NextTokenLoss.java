package io.cohort.lm.train;

import io.cohort.lm.model.DnnlSoftmax;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.NativeMatrix;
import io.cohort.lm.model.OutputHeadLoss;
import io.cohort.lm.model.Parallel;

/**
 * The softmax cross-entropy of next-token prediction over one block of logit rows, shared by
 * {@link CausalLm} and the chat objective (assistant-only loss), which differ only in which rows
 * they count.
 */
public final class NextTokenLoss {
  /** Rows below which a block is not split over threads (a row is a whole vocabulary). */
  private static final int MIN_ROWS_PER_PART = 4;

  private NextTokenLoss() {}

  /**
   * Sum of the negative log-likelihoods of rows {@code [row0, row0 + rows)} of the final hidden
   * states, row {@code row0 + r} predicting {@code ids[row0 + r + 1]}, through the model's output
   * head; with {@code dHidden}, adds {@code weight * dNLL/dhidden} to those rows. Fused and off-heap
   * where the head allows ({@link OutputHeadLoss}); otherwise the logits go through
   * {@code scratch[0]} (allocated on first use, at least {@code maxRows * vocab} floats, kept by the
   * caller across blocks), {@link #sum}, and the head's backward product.
   */
  public static double throughHead(LanguageModel model, float[] hidden, int row0, int rows, int[] ids, float weight,
      float[] dHidden, float[][] scratch, int maxRows) {
    NativeMatrix head = model.outputHead();
    if (OutputHeadLoss.supports(head)) {
      return OutputHeadLoss.sum(head, hidden, row0, rows, ids, row0 + 1, weight, dHidden);
    }
    int v = model.vocabSize();
    if (scratch[0] == null) {
      scratch[0] = new float[maxRows * v];
    }
    float[] logits = scratch[0];
    model.logits(hidden, row0, rows, logits);
    double sum = sum(logits, rows, v, ids, row0 + 1, weight, dHidden != null);
    if (dHidden != null) {
      model.logitsBackward(logits, row0, rows, dHidden);
    }
    return sum;
  }

  /**
   * Sum of the negative log-likelihoods of {@code rows} rows of {@code logits} ([rows, vocab],
   * row-major), row {@code r} predicting {@code ids[firstTarget + r]}. With {@code gradient}, each
   * row is replaced by {@code weight * (softmax - onehot(target))}, its gradient with respect to
   * the logits, ready for the output layer's backward pass.
   */
  public static double sum(float[] logits, int rows, int vocab, int[] ids, int firstTarget, float weight,
      boolean gradient) {
    return sum(logits, rows, vocab, ids, firstTarget, weight, gradient, DnnlSoftmax.available());
  }

  /** {@link #sum}, on oneDNN's softmax or (tests, and where oneDNN is unavailable) the Java loop. */
  static double sum(float[] logits, int rows, int vocab, int[] ids, int firstTarget, float weight,
      boolean gradient, boolean onDnnl) {
    double[] perRow = new double[rows];
    if (onDnnl) {
      // oneDNN's vectorised softmax, a block of rows per engine thread.
      int parts = Math.max(1, Math.min(Parallel.threads(), rows / MIN_ROWS_PER_PART));
      int per = (rows + parts - 1) / parts;
      Parallel.forEach(parts, Long.MAX_VALUE / parts, p -> {
        int from = p * per;
        int n = Math.min(per, rows - from);
        if (n > 0) {
          block(logits, from, n, vocab, ids, firstTarget, weight, gradient, perRow);
        }
      });
    } else {
      // Rows are independent: split them over the engine's threads. Each row takes three passes over
      // its logits (max; exp and sum, the exponentials kept in place; scale), one exp per logit.
      Parallel.forEach(rows, vocab, r -> perRow[r] = row(logits, r * vocab, vocab, ids[firstTarget + r], weight,
          gradient));
    }
    double sum = 0;
    for (double v : perRow) {
      sum += v;
    }
    return sum;
  }

  /**
   * Rows [from, from + n) on oneDNN: NLL = -log p(target) from the softmax; a row whose target
   * probability is below float's normal range (its logit more than ~87 below the row's maximum) is
   * scored exactly from its original logits instead. With a gradient, the probabilities are copied
   * back, scaled by the weight, and the weight taken off the target's entry.
   */
  private static void block(float[] logits, int from, int n, int vocab, int[] ids, int firstTarget, float weight,
      boolean gradient, double[] perRow) {
    DnnlSoftmax.Block b = DnnlSoftmax.block(logits, from, n, vocab);
    for (int r = 0; r < n; r++) {
      int target = ids[firstTarget + from + r];
      float p = b.probability(r, target);
      perRow[from + r] = p >= Float.MIN_NORMAL ? -Math.log(p) : row(b.originalRow(r), 0, vocab, target, 1f, false);
    }
    if (gradient) {
      b.copyProbabilitiesBack();
      for (int r = 0; r < n; r++) {
        int o = (from + r) * vocab;
        for (int k = 0; k < vocab; k++) {
          logits[o + k] *= weight;
        }
        logits[o + ids[firstTarget + from + r]] -= weight;
      }
    }
  }

  private static double row(float[] logits, int o, int vocab, int target, float weight, boolean gradient) {
    float max = Float.NEGATIVE_INFINITY;
    for (int c = 0; c < vocab; c++) {
      max = Math.max(max, logits[o + c]);
    }
    float targetLogit = logits[o + target];
    // Four partial sums in double: independent chains the JIT can keep in flight.
    double z0 = 0;
    double z1 = 0;
    double z2 = 0;
    double z3 = 0;
    int c = 0;
    if (gradient) {
      for (; c + 3 < vocab; c += 4) {
        float e0 = exp(logits[o + c] - max);
        float e1 = exp(logits[o + c + 1] - max);
        float e2 = exp(logits[o + c + 2] - max);
        float e3 = exp(logits[o + c + 3] - max);
        logits[o + c] = e0;
        logits[o + c + 1] = e1;
        logits[o + c + 2] = e2;
        logits[o + c + 3] = e3;
        z0 += e0;
        z1 += e1;
        z2 += e2;
        z3 += e3;
      }
      for (; c < vocab; c++) {
        float e = exp(logits[o + c] - max);
        logits[o + c] = e;
        z0 += e;
      }
    } else {
      for (; c + 3 < vocab; c += 4) {
        z0 += exp(logits[o + c] - max);
        z1 += exp(logits[o + c + 1] - max);
        z2 += exp(logits[o + c + 2] - max);
        z3 += exp(logits[o + c + 3] - max);
      }
      for (; c < vocab; c++) {
        z0 += exp(logits[o + c] - max);
      }
    }
    double z = z0 + z1 + z2 + z3;
    double lse = max + Math.log(z);
    if (gradient) {
      float scale = (float) (weight / z);
      for (int k = 0; k < vocab; k++) {
        logits[o + k] *= scale;
      }
      logits[o + target] -= weight;
    }
    return lse - targetLogit;
  }

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;

  /**
   * {@code e^x} for x <= 0 (a logit minus its row's maximum), within 2 ulp of {@link Math#exp}: Cody-Waite
   * reduction x = n ln2 + r, |r| <= ln2/2, then Cephes' degree-6 polynomial for e^r and 2^n from the
   * exponent bits. Arguments below -87 give 0 (their share of a softmax is below 1e-38). About five
   * times faster than {@link Math#exp} in double, which was most of a causal-LM step's loss.
   */
  static float exp(float x) {
    if (x < -87f) {
      return 0f;
    }
    float n = (float) Math.floor(x * LOG2E + 0.5f);
    float r = x - n * LN2_HI - n * LN2_LO;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1f;
    return y * Float.intBitsToFloat(((int) n + 127) << 23);
  }
}
