package io.cohort.lm.train;

import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;

/**
 * Causal language modelling: each real token predicts the next one through the tied output
 * embedding; padding is never a target. Logits are formed a block of rows at a time, so the
 * [tokens, vocab] matrix (50257 wide for GPT-2) is never held whole.
 */
public final class CausalLm implements Objective {
  private static final int ROWS_PER_BLOCK = 64;
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
    double sum = 0;
    for (int from = 0; from < n; from += ROWS_PER_BLOCK) {
      int rows = Math.min(ROWS_PER_BLOCK, n - from);
      sum += NextTokenLoss.throughHead(model, hidden, i * t + from, rows, batch.ids(), weight, dHidden, scratch,
          Math.min(ROWS_PER_BLOCK, n));
    }
    return sum;
  }
}
