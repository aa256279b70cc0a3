package io.cohort.lm.train;

/**
 * The softmax cross-entropy of next-token prediction over one block of logit rows, shared by
 * {@link CausalLm} and the chat objective (assistant-only loss), which differ only in which rows
 * they count.
 */
public final class NextTokenLoss {
  private NextTokenLoss() {}

  /**
   * Sum of the negative log-likelihoods of {@code rows} rows of {@code logits} ([rows, vocab],
   * row-major), row {@code r} predicting {@code ids[firstTarget + r]}. With {@code gradient}, each
   * row is replaced by {@code weight * (softmax - onehot(target))}, its gradient with respect to
   * the logits, ready for the output layer's backward pass.
   */
  public static double sum(float[] logits, int rows, int vocab, int[] ids, int firstTarget, float weight,
      boolean gradient) {
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      int target = ids[firstTarget + r];
      int o = r * vocab;
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < vocab; c++) {
        max = Math.max(max, logits[o + c]);
      }
      double z = 0;
      for (int c = 0; c < vocab; c++) {
        z += Math.exp(logits[o + c] - max);
      }
      double lse = max + Math.log(z);
      sum += lse - logits[o + target];
      if (gradient) {
        for (int c = 0; c < vocab; c++) {
          logits[o + c] = (float) (Math.exp(logits[o + c] - lse) * weight);
        }
        logits[o + target] -= weight;
      }
    }
    return sum;
  }
}
