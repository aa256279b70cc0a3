package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.wire.Curves.PrPoint;
import io.cohort.wire.Curves.RocPoint;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The curves' areas are exactly the AUCs reported from the same histograms, and their points are those metrics. */
class CurvesTest {
  private static final long[] POS = {1, 0, 0, 2, 0, 0, 0, 3, 0, 0};
  private static final long[] NEG = {6, 0, 0, 2, 0, 0, 0, 1, 0, 0};

  @Test
  void rocTrapezoidArea_equalsReportedRocAuc_onRandomHistograms() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int trial = 0; trial < 200; trial++) {
      int bins = 1 + random.nextInt(1000);
      long[] pos = new long[bins];
      long[] neg = new long[bins];
      for (int i = 0; i < bins; i++) {
        pos[i] = random.nextInt(4) == 0 ? random.nextInt(50) : 0;
        neg[i] = random.nextInt(3) == 0 ? random.nextInt(50) : 0;
      }
      pos[random.nextInt(bins)]++;
      neg[random.nextInt(bins)]++;
      assertThat(Curves.trapezoidArea(Curves.roc(pos, neg))).as("seed %d trial %d", seed, trial)
          .isCloseTo(PooledEvaluation.rocAuc(pos, neg), within(1e-12));
      assertThat(Curves.stepArea(Curves.precisionRecall(pos, neg))).as("seed %d trial %d", seed, trial)
          .isCloseTo(PooledEvaluation.prAuc(pos, neg), within(1e-12));
    }
  }

  @Test
  void rocPoints_runFromOriginToOne_throughEachNonEmptyBin() {
    List<RocPoint> roc = Curves.roc(POS, NEG);
    assertThat(roc).containsExactly(new RocPoint(1.0, 0, 0), new RocPoint(0.7, 1.0 / 9, 3.0 / 6),
        new RocPoint(0.3, 3.0 / 9, 5.0 / 6), new RocPoint(0.0, 1, 1));
  }

  @Test
  void prPoints_agreeWithTheMetricsAtTheirThreshold() {
    for (PrPoint p : Curves.precisionRecall(POS, NEG)) {
      PooledEvaluation.ThresholdMetrics m = PooledEvaluation.atThreshold(POS, NEG, p.threshold());
      assertThat(p.precision()).isEqualTo(m.precision());
      assertThat(p.recall()).isEqualTo(m.recall());
    }
    assertThat(Curves.precisionRecall(POS, NEG)).hasSize(3);
  }

  @Test
  void oneClassAbsent_givesNoRocCurve_andNaNArea() {
    long[] none = new long[10];
    assertThat(Curves.roc(POS, none)).isEmpty();
    assertThat(Curves.trapezoidArea(Curves.roc(POS, none))).isNaN();
    assertThat(Curves.precisionRecall(none, NEG)).isEmpty();
  }
}
