package io.cohort.lm.train;

import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Pass;
import java.util.List;

/** Held-out evaluation of a (possibly adapted) model, in batches, without keeping activations. */
public final class Evaluation {
  private Evaluation() {
  }

  /** Class probabilities [n, labels] of every sequence. */
  public static float[] probabilities(LanguageModel model, SequenceClassification task, List<int[]> sequences,
      int batchSize, int padId) {
    int labels = task.labels();
    float[] out = new float[sequences.size() * labels];
    for (int from = 0; from < sequences.size(); from += batchSize) {
      Batch b = slice(sequences, null, from, batchSize, padId);
      float[] hidden = model.forward(b.ids(), Pass.inference(b.batch(), b.seqLen()), null);
      float[] p = task.probabilities(hidden, b);
      System.arraycopy(p, 0, out, from * labels, p.length);
    }
    return out;
  }

  /** Mean next-token negative log-likelihood (nats) over all real tokens, and the token count. */
  public static double[] meanNll(LanguageModel model, List<int[]> sequences, int batchSize, int padId) {
    CausalLm lm = new CausalLm(model);
    double sum = 0;
    double count = 0;
    for (int from = 0; from < sequences.size(); from += batchSize) {
      Batch b = slice(sequences, null, from, batchSize, padId);
      float[] hidden = model.forward(b.ids(), Pass.inference(b.batch(), b.seqLen()), null);
      double[] s = lm.nll(hidden, b);
      sum += s[0];
      count += s[1];
    }
    return new double[] {count == 0 ? Double.NaN : sum / count, count};
  }

  private static Batch slice(List<int[]> seqs, int[] labels, int from, int size, int padId) {
    int n = Math.min(size, seqs.size() - from);
    int[][] s = new int[n][];
    for (int i = 0; i < n; i++) {
      s[i] = seqs.get(from + i);
    }
    return Batch.of(s, labels, padId);
  }
}
