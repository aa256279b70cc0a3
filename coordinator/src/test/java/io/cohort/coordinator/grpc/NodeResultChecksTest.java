package io.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The edge's checks of node-supplied fields, without a server: each refusal is INVALID_ARGUMENT naming the field. */
class NodeResultChecksTest {
  private static final NodeSession NODE = new NodeSession("n1", "s1", "test", List.of("d"));

  private static DomainException.Kind kind(Runnable r) {
    try {
      r.run();
      return null;
    } catch (DomainException e) {
      return e.kind();
    }
  }

  @Test
  void update_withNaNOrInfinity_isRefused_finiteIsAccepted() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      TensorBundle b = new TensorBundle(List.of(new Tensor("w", new long[] {2}, new float[] {1, bad})));
      assertThatThrownBy(() -> NodeResultChecks.update(NODE, 5, b)).isInstanceOf(DomainException.class)
          .hasMessageContaining("'w'").hasMessageContaining("NaN or infinite");
    }
    TensorBundle ok = new TensorBundle(List.of(new Tensor("w", new long[] {2}, new float[] {1, -2})));
    assertThat(NodeResultChecks.update(NODE, 5, ok).numExamples()).isEqualTo(5);
    assertThat(kind(() -> NodeResultChecks.update(NODE, 0, ok))).isEqualTo(DomainException.Kind.INVALID_ARGUMENT);
  }

  @Test
  void auditSummary_mustBeConsistent() {
    io.cohort.proto.v1.AuditSummary ok = io.cohort.proto.v1.AuditSummary.newBuilder().setCanaries(1000)
        .setGuesses(500).setCorrect(290).setEpsilonLowerBound(0.2).setDelta(1e-5).setConfidence(0.95)
        .setAccountedEpsilon(1).setRound(10).setSteps(100).build();
    assertThat(kind(() -> NodeResultChecks.audit(ok))).isNull();
    assertThat(kind(() -> NodeResultChecks.audit(ok.toBuilder().clearAccountedEpsilon().build()))).isNull();
    for (var bad : List.of(ok.toBuilder().setCorrect(501), ok.toBuilder().setGuesses(1001),
        ok.toBuilder().setEpsilonLowerBound(Double.NaN), ok.toBuilder().setEpsilonLowerBound(-1),
        ok.toBuilder().setDelta(0), ok.toBuilder().setConfidence(1), ok.toBuilder().setRound(0),
        ok.toBuilder().setAccountedEpsilon(Double.POSITIVE_INFINITY))) {
      assertThatThrownBy(() -> NodeResultChecks.audit(bad.build())).isInstanceOf(DomainException.class)
          .hasMessageContaining("audit summary is inconsistent");
    }
  }

  @Test
  void evaluation_mustBeConsistent() {
    EvaluationResult ok = EvaluationResult.newBuilder().setNumExamples(3).setNumCorrect(2).setLossSum(1)
        .addPositiveScoreHistogram(1).addNegativeScoreHistogram(2).build();
    assertThat(kind(() -> NodeResultChecks.evaluation(ok))).isNull();
    for (EvaluationResult bad : List.of(ok.toBuilder().setNumCorrect(4).build(),
        ok.toBuilder().setLossSum(Double.NaN).build(), ok.toBuilder().addPositiveScoreHistogram(1).build(),
        ok.toBuilder().setNumExamples(-1).build())) {
      assertThat(kind(() -> NodeResultChecks.evaluation(bad))).as("%s", bad)
          .isEqualTo(DomainException.Kind.INVALID_ARGUMENT);
    }
  }

  @Test
  void declineReason_longerThan4000Characters_isRefused() {
    assertThat(kind(() -> NodeResultChecks.declineReason("x".repeat(4000)))).isNull();
    assertThat(kind(() -> NodeResultChecks.declineReason("x".repeat(4001))))
        .isEqualTo(DomainException.Kind.INVALID_ARGUMENT);
  }
}
