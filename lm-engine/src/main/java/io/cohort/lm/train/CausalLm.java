package io.cohort.lm.train;

import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.OutputHeadLoss;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;

/**
 * Causal language modelling: each real token predicts the next one through the tied output
 * embedding; padding is never a target. Logits are formed a block of rows at a time, so the
 * [tokens, vocab] matrix (50257 wide for GPT-2) is never held whole.
 */
public final class CausalLm implements Objective {
  /** Rows of logits per block on the heap path (Java arrays: the memory planner counts 64 rows). */
  private static final int ROWS_PER_BLOCK = 64;
  /**
   * Rows per block on the fused off-heap path ({@link OutputHeadLoss}), gathered across the batch's
   * examples: every block streams the whole [vocab, width] head through each engine thread twice
   * (logits, then the input gradient), so at a 151,936-token vocabulary 64-row blocks moved ~35 GB
   * per 1,024-token step. A block costs 6 bytes x vocab per row off-heap at most (FP32 probabilities
   * in place of the logits, and their BF16 copy under BF16): 467 MB at Qwen's vocabulary, 154 MB at
   * GPT-2's (docs/benchmarks.md, issue 18).
   */
  private static final int FUSED_ROWS_PER_BLOCK = 512;
  private final LanguageModel model;

  public CausalLm(LanguageModel model) {
    this.model = model;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of();
  }

  /** Sum of next-token negative log-likelihoods over the batch, and how many predictions it covers. */
  public double[] nll(float[] hidden, Batch batch) {
    long count = 0;
    for (int i = 0; i < batch.batch(); i++) {
      count += batch.lengths()[i] - 1;
    }
    if (OutputHeadLoss.supports(model.outputHead())) {
      return new double[] {fused(hidden, batch, null, null), count};
    }
    double sum = 0;
    for (int i = 0; i < batch.batch(); i++) {
      sum += example(hidden, batch, i, null, 0f);
    }
    return new double[] {sum, count};
  }

  @Override
  public double loss(float[] hidden, Batch batch, Pass pass, float[] dHidden) {
    int predictions = 0;
    for (int len : batch.lengths()) {
      predictions += len - 1;
    }
    if (dHidden != null) {
      java.util.Arrays.fill(dHidden, 0f);
    }
    // The batch loss is the mean over all predictions; each example's own loss the mean over its own.
    float[] weights = new float[batch.batch()];
    for (int i = 0; i < batch.batch(); i++) {
      int own = batch.lengths()[i] - 1;
      weights[i] = pass.perExample() ? 1f / Math.max(1, own) : 1f / Math.max(1, predictions);
    }
    double sum = 0;
    if (OutputHeadLoss.supports(model.outputHead())) {
      sum = fused(hidden, batch, weights, dHidden);
    } else {
      for (int i = 0; i < batch.batch(); i++) {
        if (batch.lengths()[i] > 1) {
          sum += example(hidden, batch, i, dHidden, weights[i]);
        }
      }
    }
    return sum / Math.max(1, predictions);
  }

  /**
   * The fused path: every example's predicting rows, in blocks of up to {@value #FUSED_ROWS_PER_BLOCK}
   * that run across example boundaries (each row with its example's weight; padding rows are never
   * listed). Returns the sum of NLLs; adds the weighted input gradients to {@code dHidden} when given.
   */
  private double fused(float[] hidden, Batch batch, float[] weights, float[] dHidden) {
    int t = batch.seqLen();
    int block = FUSED_ROWS_PER_BLOCK;
    int[] rows = new int[block];
    int[] targets = new int[block];
    float[] rowWeights = new float[block];
    int n = 0;
    double sum = 0;
    for (int i = 0; i < batch.batch(); i++) {
      int predictions = batch.lengths()[i] - 1;
      for (int p = 0; p < predictions; p++) {
        rows[n] = i * t + p;
        targets[n] = batch.ids()[i * t + p + 1];
        rowWeights[n] = weights == null ? 0f : weights[i];
        if (++n == block) {
          sum += OutputHeadLoss.sum(model.outputHead(), hidden, rows, targets, rowWeights, n, dHidden);
          n = 0;
        }
      }
    }
    if (n > 0) {
      sum += OutputHeadLoss.sum(model.outputHead(), hidden, rows, targets, rowWeights, n, dHidden);
    }
    return sum;
  }

  /** Sum of the example's NLL; adds {@code weight * dNLL/dhidden} to {@code dHidden} when not null. */
  private double example(float[] hidden, Batch batch, int i, float[] dHidden, float weight) {
    int t = batch.seqLen();
    int n = batch.lengths()[i] - 1;
    float[][] scratch = new float[1][];
    double sum = 0;
    for (int from = 0; from < n; from += ROWS_PER_BLOCK) {
      int rows = Math.min(ROWS_PER_BLOCK, n - from);
      sum += NextTokenLoss.throughHead(model, hidden, i * t + from, rows, batch.ids(), weight, dHidden, scratch,
          Math.min(ROWS_PER_BLOCK, n));
    }
    return sum;
  }
}
