package io.cohort.lm.chat;

import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import io.cohort.lm.train.Batch;
import io.cohort.lm.train.NextTokenLoss;
import io.cohort.lm.train.Objective;
import java.util.List;

/**
 * Causal language modelling whose loss counts only assistant tokens: the prediction at position
 * {@code p} counts when token {@code p + 1} is an assistant target ({@link ChatEncoder.Encoded#mask()}:
 * each assistant turn's content and its end-of-turn token, nothing of system or user turns).
 *
 * <p>Plugs into the unchanged {@link io.cohort.lm.train.Trainer}: train with
 * {@code labels[i] = i} (the conversation's index), which the trainer carries into every batch, and
 * this task looks the mask up by that index. One sequence is one conversation, so DP-SGD's
 * per-example clipping makes the conversation the privacy unit. The batch loss is the mean over
 * the batch's assistant targets; under per-example passes each conversation's own mean.
 */
public final class AssistantOnlyLm implements Objective {
  private static final int ROWS_PER_BLOCK = 64;
  private final LanguageModel model;
  private final List<boolean[]> masks;

  /** {@code masks.get(i)}: the loss mask of conversation {@code i}, addressed by the batch's labels. */
  public AssistantOnlyLm(LanguageModel model, List<boolean[]> masks) {
    this.model = model;
    this.masks = masks;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of();
  }

  /** The number of counted predictions of batch row {@code i}. */
  private int targets(Batch batch, int i) {
    boolean[] m = mask(batch, i);
    int n = 0;
    for (int t = 1; t < batch.lengths()[i]; t++) {
      n += m[t] ? 1 : 0;
    }
    return n;
  }

  private boolean[] mask(Batch batch, int i) {
    if (batch.labels() == null) {
      throw new IllegalArgumentException("assistant-only loss needs each batch row's conversation index as its label");
    }
    boolean[] m = masks.get(batch.labels()[i]);
    if (m.length < batch.lengths()[i]) {
      throw new IllegalArgumentException("mask of conversation " + batch.labels()[i] + " covers " + m.length
          + " tokens, its sequence has " + batch.lengths()[i]);
    }
    return m;
  }

  /** Sum of assistant-token NLL over the batch, and how many targets it covers. */
  public double[] nll(float[] hidden, Batch batch) {
    double sum = 0;
    long count = 0;
    for (int i = 0; i < batch.batch(); i++) {
      sum += example(hidden, batch, i, null, 0f);
      count += targets(batch, i);
    }
    return new double[] {sum, count};
  }

  @Override
  public double loss(float[] hidden, Batch batch, Pass pass, float[] dHidden) {
    int total = 0;
    for (int i = 0; i < batch.batch(); i++) {
      total += targets(batch, i);
    }
    if (dHidden != null) {
      java.util.Arrays.fill(dHidden, 0f);
    }
    double sum = 0;
    for (int i = 0; i < batch.batch(); i++) {
      int own = targets(batch, i);
      if (own == 0) {
        continue;
      }
      float weight = pass.perExample() ? 1f / own : 1f / Math.max(1, total);
      sum += example(hidden, batch, i, dHidden, weight);
    }
    return sum / Math.max(1, total);
  }

  /** Sum of the example's assistant-token NLL; adds {@code weight * dNLL/dhidden} when {@code dHidden} is not null. */
  private double example(float[] hidden, Batch batch, int i, float[] dHidden, float weight) {
    boolean[] m = mask(batch, i);
    int t = batch.seqLen();
    int n = batch.lengths()[i] - 1;
    float[][] scratch = new float[1][];
    double sum = 0;
    int p = 0;
    while (p < n) {
      if (!m[p + 1]) {
        p++;
        continue;
      }
      int runEnd = p;
      while (runEnd < n && m[runEnd + 1] && runEnd - p < ROWS_PER_BLOCK) {
        runEnd++;
      }
      sum += NextTokenLoss.throughHead(model, hidden, i * t + p, runEnd - p, batch.ids(), weight, dHidden, scratch,
          ROWS_PER_BLOCK);
      p = runEnd;
    }
    return sum;
  }
}
