package io.cohort.coordinator.grpc;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;

/**
 * Checks of the fields a node sends, made at the transport edge so that the round loop receives
 * only well-formed domain objects. Each failure is {@code INVALID_ARGUMENT} naming the field. What
 * depends on the round's state (is the task open, does the layout match the round's model) is
 * checked by the round itself.
 */
final class NodeResultChecks {
  static final int MAX_REASON_CHARS = 4000;
  static final int MAX_HISTOGRAM_BINS = 100_000;

  private NodeResultChecks() {}

  static void numExamples(long examples) {
    if (examples <= 0) {
      throw DomainException.invalid("num_examples must be positive, got " + examples);
    }
  }

  static void declineReason(String reason) {
    if (reason.length() > MAX_REASON_CHARS) {
      throw DomainException.invalid("decline_reason is longer than " + MAX_REASON_CHARS + " characters");
    }
  }

  /** The update of an upload whose bytes were reassembled and verified: positive weight, finite values. */
  static ClientUpdate update(NodeSession s, long examples, TensorBundle bundle) {
    numExamples(examples);
    for (Tensor t : bundle.tensors()) {
      for (float v : t.values()) {
        if (!Float.isFinite(v)) {
          throw DomainException.invalid("update tensor '" + t.name() + "' contains NaN or infinite values");
        }
      }
    }
    return new ClientUpdate(s.nodeId(), examples, bundle);
  }

  static void evaluation(EvaluationResult result) {
    if (result.getPositiveScoreHistogramCount() != result.getNegativeScoreHistogramCount()
        || result.getPositiveScoreHistogramCount() > MAX_HISTOGRAM_BINS || result.getNumExamples() < 0
        || result.getNumCorrect() < 0 || result.getNumCorrect() > result.getNumExamples()
        || result.getNumAnswers() < 0 || result.getNumAnswers() > 0 && result.getNumCorrect() > result.getNumAnswers()
        || !Double.isFinite(result.getLossSum())) {
      throw DomainException.invalid("evaluation result is inconsistent: histograms of equal length (at most "
          + MAX_HISTOGRAM_BINS + "), 0 <= num_correct <= num_examples (and <= num_answers when answers are"
          + " reported) and a finite loss_sum are required");
    }
  }

  /**
   * A node's audit summary: counts consistent (1 <= guesses <= canaries, correct <= guesses), a
   * finite non-negative bound, delta and confidence in (0, 1), a finite non-negative accounted epsilon.
   */
  static void audit(io.cohort.proto.v1.AuditSummary a) {
    if (a.getCanaries() < 1 || a.getGuesses() < 1 || a.getGuesses() > a.getCanaries() || a.getCorrect() < 0
        || a.getCorrect() > a.getGuesses() || !(a.getEpsilonLowerBound() >= 0) || Double.isInfinite(a.getEpsilonLowerBound())
        || !(a.getDelta() > 0 && a.getDelta() < 1) || !(a.getConfidence() > 0 && a.getConfidence() < 1)
        || a.getRound() < 1 || a.getSteps() < 0
        || a.hasAccountedEpsilon() && !(a.getAccountedEpsilon() >= 0 && Double.isFinite(a.getAccountedEpsilon()))) {
      throw DomainException.invalid("audit summary is inconsistent: 1 <= guesses <= canaries, 0 <= correct <= guesses,"
          + " a finite epsilon_lower_bound >= 0, delta and confidence in (0, 1), round >= 1 and a finite"
          + " accounted_epsilon >= 0 when given are required");
    }
  }
}
