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

  /** Pooled evaluation of the round's global model over the nodes that reported. */
  /** A round's pooled evaluation; f1 is the positive class's at threshold 0.5 (NaN when unknown). */
  public record Evaluation(int nodes, long examples, double loss, double accuracy, double rocAuc, double f1) {
    public Evaluation(int nodes, long examples, double loss, double accuracy, double rocAuc) {
      this(nodes, examples, loss, accuracy, rocAuc, Double.NaN);
    }
  }

  public RoundRecord withEvaluation(Evaluation e) {
    return new RoundRecord(jobId, round, attempt, participants, contributors, numExamples, modelId,
        modelSha256, startedAt, completedAt, e);
  }
}
