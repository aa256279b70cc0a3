package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.store.RoundRecord;
import io.cohort.proto.v1.ClassScoreHistograms;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.RegressionStatistics;
import io.cohort.wire.PooledEvaluation;
import org.junit.jupiter.api.Test;

/** What a round records from its nodes' results, by the kind of job (issue 24). */
class PooledRoundEvaluationTest {

  @Test
  void regressionResults_giveRmseMaeAndR2_andNoClassificationMetrics() {
    PooledEvaluation pooled = new PooledEvaluation();
    // Two nodes; labels 1, 3 (node 1) and 5, 7 (node 2), every prediction off by 1.
    pooled.add(EvaluationResult.newBuilder().setNumExamples(2).setLossSum(2)
        .setRegression(RegressionStatistics.newBuilder().setCount(2).setSumSquaredError(2).setSumAbsoluteError(2)
            .setSumLabel(4).setSumLabelSquared(10)).build());
    pooled.add(EvaluationResult.newBuilder().setNumExamples(2).setLossSum(2)
        .setRegression(RegressionStatistics.newBuilder().setCount(2).setSumSquaredError(2).setSumAbsoluteError(2)
            .setSumLabel(12).setSumLabelSquared(74)).build());
    RoundRecord.Evaluation e = EvaluationPhase.pooledEvaluation(2, pooled);
    assertThat(e.rmse()).isEqualTo(1.0);
    assertThat(e.mae()).isEqualTo(1.0);
    // Labels 1, 3, 5, 7: mean 4, SST 20; SSE 4.
    assertThat(e.r2()).isCloseTo(0.8, within(1e-12));
    assertThat(e.loss()).isEqualTo(1.0);
    assertThat(e.accuracy()).as("a regression has no accuracy").isNaN();
    assertThat(e.rocAuc()).isNaN();
    assertThat(e.f1()).isNaN();
  }

  @Test
  void multiclassResults_reportTheMacroAucAsRocAuc_andNoPositiveClassMetrics() {
    EvaluationResult.Builder r = EvaluationResult.newBuilder().setNumExamples(3).setNumCorrect(2)
        .addPositiveScoreHistogram(0).addPositiveScoreHistogram(1)
        .addNegativeScoreHistogram(2).addNegativeScoreHistogram(0);
    for (int c = 0; c < 3; c++) {
      // Each class's own row scores in the upper bin, the others in the lower: every class separates perfectly.
      r.addClassScoreHistograms(ClassScoreHistograms.newBuilder().addPositive(0).addPositive(1)
          .addNegative(2).addNegative(0));
    }
    RoundRecord.Evaluation e = EvaluationPhase.pooledEvaluation(1, new PooledEvaluation().add(r.build()));
    assertThat(e.rocAuc()).isEqualTo(1.0);
    assertThat(e.accuracy()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(e.f1()).isNaN();
    assertThat(e.prAuc()).isNaN();
    assertThat(e.rmse()).isNaN();
  }
}
