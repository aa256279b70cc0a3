package io.cohort.coordinator.store;

import java.time.Instant;
import java.util.List;

/**
 * A completed round: who was asked, whose update was aggregated, and the resulting global model.
 * Evaluation fields stay null until the round's evaluation arrives.
 */
public record RoundRecord(
    String jobId,
    int round,
    int attempt,
    List<String> participants,
    List<String> contributors,
    long numExamples,
    String modelId,
    String modelSha256,
    Instant startedAt,
    Instant completedAt,
    Evaluation evaluation) {

  /**
   * A round's pooled evaluation over the nodes that reported. f1, precision and recall are the
   * positive class's at threshold 0.5; bestThreshold is the score bin edge that maximises F1 on the
   * pooled histograms and bestF1 that F1; prAuc the average precision. For a multi-class job rocAuc is the macro
   * one-vs-rest ROC AUC and the positive-class metrics are NaN; a regression job has rmse, mae and r2 (in the
   * label's units) and NaN classification metrics. Any may be NaN when unknown.
   */
  public record Evaluation(int nodes, long examples, double loss, double accuracy, double rocAuc, double f1,
      double prAuc, double precision, double recall, double bestThreshold, double bestF1, double rmse, double mae,
      double r2) {
    /** A classification evaluation (no regression metrics). */
    public Evaluation(int nodes, long examples, double loss, double accuracy, double rocAuc, double f1,
        double prAuc, double precision, double recall, double bestThreshold, double bestF1) {
      this(nodes, examples, loss, accuracy, rocAuc, f1, prAuc, precision, recall, bestThreshold, bestF1, Double.NaN,
          Double.NaN, Double.NaN);
    }

    public Evaluation(int nodes, long examples, double loss, double accuracy, double rocAuc) {
      this(nodes, examples, loss, accuracy, rocAuc, Double.NaN);
    }

    public Evaluation(int nodes, long examples, double loss, double accuracy, double rocAuc, double f1) {
      this(nodes, examples, loss, accuracy, rocAuc, f1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
  }

  public RoundRecord withEvaluation(Evaluation e) {
    return new RoundRecord(jobId, round, attempt, participants, contributors, numExamples, modelId,
        modelSha256, startedAt, completedAt, e);
  }
}
