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
   * Rows per block on the fused off-heap path ({@link OutputHeadLoss}): every block streams the whole
   * [vocab, width] head through each engine thread twice (logits, then the input gradient), so at a
   * 151,936-token vocabulary 64-row blocks moved ~35 GB per 1,024-token step. 256 rows cost
   * 10 bytes x vocab per row off-heap (389 MB at Qwen's vocabulary, 129 MB at GPT-2's) and took the
   * head's share of a Qwen2.5-0.5B-shape step from 3.6 to 2.4 s (FP32) and 2.3 to 1.5 s (BF16)
   * (docs/benchmarks.md, issue 18, session 8). Blocks stay within one example (per-example weights).
   */
  private static final int FUSED_ROWS_PER_BLOCK = 256;
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
    double sum = 0;
    long count = 0;
    for (int i = 0; i < batch.batch(); i++) {
      sum += example(hidden, batch, i, null, 0f);
      count += batch.lengths()[i] - 1;
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
    double sum = 0;
    for (int i = 0; i < batch.batch(); i++) {
      int own = batch.lengths()[i] - 1;
      if (own == 0) {
        continue;
      }
      // The batch loss is the mean over all predictions; each example's own loss the mean over its own.
      float weight = pass.perExample() ? 1f / own : 1f / Math.max(1, predictions);
      sum += example(hidden, batch, i, dHidden, weight);
    }
    return sum / Math.max(1, predictions);
  }

  /** Sum of the example's NLL; adds {@code weight * dNLL/dhidden} to {@code dHidden} when not null. */
  private double example(float[] hidden, Batch batch, int i, float[] dHidden, float weight) {
    int t = batch.seqLen();
    int n = batch.lengths()[i] - 1;
    float[][] scratch = new float[1][];
    int block = OutputHeadLoss.supports(model.outputHead()) ? FUSED_ROWS_PER_BLOCK : ROWS_PER_BLOCK;
    double sum = 0;
    for (int from = 0; from < n; from += block) {
      int rows = Math.min(block, n - from);
      sum += NextTokenLoss.throughHead(model, hidden, i * t + from, rows, batch.ids(), weight, dHidden, scratch,
          Math.min(block, n));
    }
    return sum;
  }
}
