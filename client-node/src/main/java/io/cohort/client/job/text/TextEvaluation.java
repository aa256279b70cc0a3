package io.cohort.client.job.text;

import io.cohort.lm.chat.AssistantOnlyLm;
import io.cohort.lm.chat.ChatEncoder;
import io.cohort.lm.chat.ChatSft;
import io.cohort.lm.chat.Conversation;
import io.cohort.lm.model.Pass;
import io.cohort.lm.tokenizer.TextTokenizer;
import io.cohort.lm.train.Batch;
import io.cohort.lm.train.CausalLm;
import io.cohort.lm.train.Evaluation;
import io.cohort.lm.train.SequenceClassification;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.wire.PooledEvaluation;
import java.util.List;

/**
 * A text model's evaluation on a node's held-out records, as poolable sums. Classification:
 * examples, summed cross-entropy, correct argmax predictions (lowest label on ties) and
 * {@link PooledEvaluation#DEFAULT_BINS}-bin histograms of the positive class's probability (label
 * 1 of two; with more labels the last label against the rest, as for tabular jobs), split by the
 * true label. Causal LM: the number of predicted tokens and their summed negative log-likelihood.
 * Chat SFT: the number of assistant targets and their summed NLL, and the exact matches of greedy
 * answers among the held-out conversations (counts only; no text leaves the node).
 */
public final class TextEvaluation {
  private TextEvaluation() {
  }

  public static EvaluationResult classification(TextModel m, List<int[]> sequences, int[] labels, int batchSize) {
    SequenceClassification task = (SequenceClassification) m.task();
    int k = task.labels();
    float[] probs = Evaluation.probabilities(m.model(), task, sequences, batchSize, m.tokenizer().eosId());
    int bins = PooledEvaluation.DEFAULT_BINS;
    long[] positives = new long[bins];
    long[] negatives = new long[bins];
    int positive = k - 1;
    double lossSum = 0;
    long correct = 0;
    for (int i = 0; i < labels.length; i++) {
      int o = i * k;
      int best = 0;
      for (int c = 1; c < k; c++) {
        if (probs[o + c] > probs[o + best]) {
          best = c;
        }
      }
      if (best == labels[i]) {
        correct++;
      }
      // Capped so that one record's share of the sum is bounded (issue 19 #3, noised under DP).
      lossSum += io.cohort.client.tabular.EvaluationStats.rowLoss(probs[o + labels[i]]);
      int bin = PooledEvaluation.bin(probs[o + positive], bins);
      if (labels[i] == positive) {
        positives[bin]++;
      } else {
        negatives[bin]++;
      }
    }
    EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(labels.length).setLossSum(lossSum)
        .setNumCorrect(correct);
    for (int i = 0; i < bins; i++) {
      b.addPositiveScoreHistogram(positives[i]).addNegativeScoreHistogram(negatives[i]);
    }
    return b.build();
  }

  public static EvaluationResult causalLm(TextModel m, List<int[]> sequences, int batchSize) {
    CausalLm lm = (CausalLm) m.task();
    double sum = 0;
    long tokens = 0;
    for (int from = 0; from < sequences.size(); from += batchSize) {
      int n = Math.min(batchSize, sequences.size() - from);
      Batch b = Batch.of(sequences.subList(from, from + n).toArray(new int[0][]), null, m.tokenizer().eosId());
      float[] hidden = m.model().forward(b.ids(), Pass.inference(b.batch(), b.seqLen()), null);
      double[] s = lm.nll(hidden, b);
      sum += s[0];
      tokens += (long) s[1];
    }
    return EvaluationResult.newBuilder().setNumExamples(tokens).setLossSum(sum).build();
  }

  /**
   * Slack over the reference answer's own token count when generating it: a different tokenisation
   * of the same text or surrounding whitespace fits, and an answer that runs on past it cannot equal
   * the reference anyway.
   */
  static final int ANSWER_SLACK_TOKENS = 4;

  public static EvaluationResult chat(TextModel m, ChatEncoder encoder, TextData data, List<Conversation> held,
      int batchSize) {
    AssistantOnlyLm task = (AssistantOnlyLm) m.task();
    List<int[]> sequences = data.validation();
    int[] labels = data.validationLabels();
    double sum = 0;
    long tokens = 0;
    for (int from = 0; from < sequences.size(); from += batchSize) {
      int n = Math.min(batchSize, sequences.size() - from);
      Batch b = Batch.of(sequences.subList(from, from + n).toArray(new int[0][]),
          java.util.Arrays.copyOfRange(labels, from, from + n), m.tokenizer().eosId());
      float[] hidden = m.model().forward(b.ids(), Pass.inference(b.batch(), b.seqLen()), null);
      double[] s = task.nll(hidden, b);
      sum += s[0];
      tokens += (long) s[1];
    }
    TextTokenizer tokenizer = m.tokenizer();
    int hits = ChatSft.exactMatches(m.model(), encoder, held, tokenizer::decode, tokenizer.eosId(),
        c -> tokenizer.encode(c.lastAnswer()).length + ANSWER_SLACK_TOKENS);
    return EvaluationResult.newBuilder().setNumExamples(tokens).setLossSum(sum).setNumCorrect(hits)
        .setNumAnswers(held.size()).build();
  }
}
