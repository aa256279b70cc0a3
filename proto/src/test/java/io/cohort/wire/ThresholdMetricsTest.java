package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.proto.v1.EvaluationResult;
import io.cohort.wire.PooledEvaluation.ThresholdMetrics;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Precision / recall / F1 at a threshold, the F1-maximising threshold and PR AUC from histograms. */
class ThresholdMetricsTest {
  /** 10 bins; positives at scores 0.05 (1), 0.35 (2), 0.75 (3); negatives at 0.05 (6), 0.35 (2), 0.75 (1). */
  private static final long[] POS = {1, 0, 0, 2, 0, 0, 0, 3, 0, 0};
  private static final long[] NEG = {6, 0, 0, 2, 0, 0, 0, 1, 0, 0};

  @Test
  void atHalf_countsTheUpperBins_andAgreesWithF1AtHalf() {
    ThresholdMetrics m = PooledEvaluation.atThreshold(POS, NEG, 0.5);
    assertThat(m.threshold()).isEqualTo(0.5);
    assertThat(m.precision()).isEqualTo(3.0 / 4);
    assertThat(m.recall()).isEqualTo(3.0 / 6);
    assertThat(m.f1()).isEqualTo(2.0 * 3 / (2 * 3 + 1 + 3)).isEqualTo(PooledEvaluation.f1AtHalf(POS, NEG));
  }

  @Test
  void bestF1_sweepsEveryBinEdge() {
    // edge 0.1..0.3: TP 5, FP 3, FN 1 -> F1 10/14 = 0.714; edge 0.4..0.7: 0.6; edge 0: 12/21 = 0.571.
    ThresholdMetrics best = PooledEvaluation.bestF1(POS, NEG);
    assertThat(best.threshold()).isEqualTo(0.1);
    assertThat(best.f1()).isCloseTo(10.0 / 14, within(1e-12));
    assertThat(best.precision()).isEqualTo(5.0 / 8);
    assertThat(best.recall()).isEqualTo(5.0 / 6);
  }

  @Test
  void allNegativePredictionsAtHalf_stillFindANonZeroF1Below() {
    // The rare class never scores above 0.5 (a 4 % class after few rounds): F1 at 0.5 is 0, the tuned one is not.
    long[] pos = {0, 1, 3, 0, 0, 0, 0, 0, 0, 0};
    long[] neg = {60, 30, 6, 1, 0, 0, 0, 0, 0, 0};
    assertThat(PooledEvaluation.atThreshold(pos, neg, 0.5).f1()).isEqualTo(0.0);
    ThresholdMetrics best = PooledEvaluation.bestF1(pos, neg);
    assertThat(best.threshold()).isEqualTo(0.2);
    assertThat(best.f1()).isCloseTo(6.0 / (6 + 7 + 1), within(1e-12));
  }

  @Test
  void prAuc_isAveragePrecisionOverBins_andOneForAPerfectRanking() {
    // From the top: bin 7 adds recall 3/6 at precision 3/4; bin 3 adds 2/6 at 5/8; bin 0 adds 1/6 at 6/15.
    assertThat(PooledEvaluation.prAuc(POS, NEG))
        .isCloseTo(0.5 * 0.75 + (2.0 / 6) * (5.0 / 8) + (1.0 / 6) * (6.0 / 15), within(1e-12));
    assertThat(PooledEvaluation.prAuc(new long[] {0, 0, 4}, new long[] {5, 0, 0})).isEqualTo(1.0);
    assertThat(PooledEvaluation.prAuc(new long[3], new long[] {1, 1, 1})).isNaN();
  }

  @Test
  void prAuc_ofRandomScores_isNearThePositiveRate() {
    long seed = 23;
    SplittableRandom r = new SplittableRandom(seed);
    long[] pos = new long[100];
    long[] neg = new long[100];
    for (int i = 0; i < 20_000; i++) {
      (r.nextDouble() < 0.1 ? pos : neg)[PooledEvaluation.bin(r.nextDouble(), 100)]++;
    }
    assertThat(PooledEvaluation.prAuc(pos, neg)).as("seed " + seed).isCloseTo(0.1, within(0.01));
  }

  @Test
  void pooled_exposesTheSameMetrics_andRejectsAThresholdOutsideZeroOne() {
    PooledEvaluation pooled = new PooledEvaluation();
    assertThat(pooled.bestF1()).isNull();
    EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(15);
    for (int i = 0; i < POS.length; i++) {
      b.addPositiveScoreHistogram(POS[i]).addNegativeScoreHistogram(NEG[i]);
    }
    pooled.add(b.build());
    assertThat(pooled.bestF1()).isEqualTo(PooledEvaluation.bestF1(POS, NEG));
    assertThat(pooled.atThreshold(0.3)).isEqualTo(PooledEvaluation.atThreshold(POS, NEG, 0.3));
    assertThat(pooled.prAuc()).isEqualTo(PooledEvaluation.prAuc(POS, NEG));
    assertThatThrownBy(() -> pooled.atThreshold(1.5)).hasMessage("threshold is 1.5; expected a score in [0, 1]");
  }
}
