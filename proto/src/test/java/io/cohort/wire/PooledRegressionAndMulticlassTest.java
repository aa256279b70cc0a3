package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.proto.v1.ClassScoreHistograms;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.RegressionStatistics;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Regression metrics and multi-class macro ROC AUC pooled from per-node sums and histograms (issue 24). */
class PooledRegressionAndMulticlassTest {

  @Test
  void regressionSumsFromThreeNodes_giveTheRmseMaeAndR2OfAllRows() {
    long seed = 24;
    SplittableRandom r = new SplittableRandom(seed);
    PooledEvaluation pooled = new PooledEvaluation();
    double sse = 0;
    double sae = 0;
    double[] all = new double[300];
    double[] predictions = new double[300];
    for (int node = 0; node < 3; node++) {
      RegressionStatistics.Builder s = RegressionStatistics.newBuilder().setCount(100);
      for (int i = node * 100; i < (node + 1) * 100; i++) {
        all[i] = 30 + 7 * r.nextGaussian() + node; // nodes differ in mean: SST is about the pooled mean
        predictions[i] = all[i] + 2 * r.nextGaussian();
        double e = predictions[i] - all[i];
        s.setSumSquaredError(s.getSumSquaredError() + e * e).setSumAbsoluteError(s.getSumAbsoluteError() + Math.abs(e))
            .setSumLabel(s.getSumLabel() + all[i]).setSumLabelSquared(s.getSumLabelSquared() + all[i] * all[i]);
        sse += e * e;
        sae += Math.abs(e);
      }
      pooled.add(EvaluationResult.newBuilder().setNumExamples(100).setLossSum(s.getSumSquaredError())
          .setRegression(s).build());
    }
    double mean = Arrays.stream(all).average().orElseThrow();
    double sst = Arrays.stream(all).map(y -> (y - mean) * (y - mean)).sum();
    assertThat(pooled.isRegression()).isTrue();
    assertThat(pooled.rmse()).as("seed %d", seed).isCloseTo(Math.sqrt(sse / 300), within(1e-9));
    assertThat(pooled.mae()).as("seed %d", seed).isCloseTo(sae / 300, within(1e-9));
    assertThat(pooled.r2()).as("seed %d", seed).isCloseTo(1 - sse / sst, within(1e-9));
    assertThat(pooled.rocAuc()).isNaN();
    assertThat(pooled.macroRocAuc()).isNaN();
  }

  @Test
  void classificationResults_haveNoRegressionMetrics() {
    PooledEvaluation pooled = new PooledEvaluation().add(EvaluationResult.newBuilder().setNumExamples(3).build());
    assertThat(pooled.isRegression()).isFalse();
    assertThat(pooled.rmse()).isNaN();
    assertThat(pooled.r2()).isNaN();
  }

  @Test
  void macroAuc_isTheMeanOfEachClassesOneVsRestAuc_overClassesWithBothSides() {
    PooledEvaluation pooled = new PooledEvaluation();
    // Node 1: class 0 perfectly separated (AUC 1), class 1 reversed (AUC 0).
    pooled.add(EvaluationResult.newBuilder().setNumExamples(4)
        .addClassScoreHistograms(hist(new long[] {0, 2}, new long[] {2, 0}))
        .addClassScoreHistograms(hist(new long[] {1, 0}, new long[] {0, 3}))
        .addClassScoreHistograms(hist(new long[] {0, 0}, new long[] {2, 2})).build());
    // Node 2 adds to class 0 only, keeping it perfect; class 2 never has a row of its own: left out.
    pooled.add(EvaluationResult.newBuilder().setNumExamples(2)
        .addClassScoreHistograms(hist(new long[] {0, 1}, new long[] {1, 0}))
        .addClassScoreHistograms(hist(new long[] {0, 0}, new long[] {1, 1}))
        .addClassScoreHistograms(hist(new long[] {0, 0}, new long[] {1, 1})).build());
    // Class 1 pooled: positives {1, 0}, negatives {1, 4}: AUC = 1 * 0.5 * 1 / (1 * 5) = 0.1.
    assertThat(pooled.macroRocAuc()).isCloseTo((1.0 + 0.1) / 2, within(1e-12));
  }

  @Test
  void aResultWithAnotherNumberOfClasses_isRejectedAndLeavesThePoolAsItWas() {
    PooledEvaluation pooled = new PooledEvaluation().add(EvaluationResult.newBuilder().setNumExamples(2)
        .addClassScoreHistograms(hist(new long[] {0, 1}, new long[] {1, 0}))
        .addClassScoreHistograms(hist(new long[] {1, 0}, new long[] {0, 1}))
        .addClassScoreHistograms(hist(new long[] {0, 0}, new long[] {1, 1})).build());
    double before = pooled.macroRocAuc();
    assertThatThrownBy(() -> pooled.add(EvaluationResult.newBuilder().setNumExamples(2)
        .setRegression(RegressionStatistics.newBuilder().setCount(2))
        .addClassScoreHistograms(hist(new long[] {0, 1}, new long[] {1, 0})).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 classes; earlier results had 3");
    assertThat(pooled.examples()).isEqualTo(2);
    assertThat(pooled.isRegression()).isFalse();
    assertThat(pooled.macroRocAuc()).isEqualTo(before);
  }

  private static ClassScoreHistograms hist(long[] positive, long[] negative) {
    ClassScoreHistograms.Builder b = ClassScoreHistograms.newBuilder();
    Arrays.stream(positive).forEach(b::addPositive);
    Arrays.stream(negative).forEach(b::addNegative);
    return b.build();
  }
}
