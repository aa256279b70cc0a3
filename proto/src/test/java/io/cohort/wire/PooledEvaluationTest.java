package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.proto.v1.EvaluationResult;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PooledEvaluationTest {
  /** Exact Mann-Whitney AUC over raw scores: the naive reference. */
  static double exactAuc(double[] pos, double[] neg) {
    double pairs = 0;
    for (double p : pos) {
      for (double n : neg) {
        pairs += p > n ? 1 : p == n ? 0.5 : 0;
      }
    }
    return pairs / (pos.length * (double) neg.length);
  }

  @Test
  void pooledHistogramsFromSeveralNodes_matchTheExactAucOfAllScores() {
    long seed = 99;
    SplittableRandom r = new SplittableRandom(seed);
    int bins = PooledEvaluation.DEFAULT_BINS;
    PooledEvaluation pooled = new PooledEvaluation();
    double[] allPos = new double[0];
    double[] allNeg = new double[0];
    for (int node = 0; node < 3; node++) {
      long[] ph = new long[bins];
      long[] nh = new long[bins];
      double[] pos = new double[150];
      double[] neg = new double[250];
      for (int i = 0; i < pos.length; i++) {
        pos[i] = sigmoid(r.nextGaussian() + 0.8);
        ph[PooledEvaluation.bin(pos[i], bins)]++;
      }
      for (int i = 0; i < neg.length; i++) {
        neg[i] = sigmoid(r.nextGaussian());
        nh[PooledEvaluation.bin(neg[i], bins)]++;
      }
      allPos = concat(allPos, pos);
      allNeg = concat(allNeg, neg);
      EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(400).setLossSum(200).setNumCorrect(300);
      Arrays.stream(ph).forEach(b::addPositiveScoreHistogram);
      Arrays.stream(nh).forEach(b::addNegativeScoreHistogram);
      pooled.add(b.build());
    }
    assertThat(pooled.examples()).isEqualTo(1200);
    assertThat(pooled.meanLoss()).isEqualTo(0.5);
    assertThat(pooled.accuracy()).isEqualTo(0.75);
    assertThat(pooled.rocAuc()).as("seed %d", seed).isCloseTo(exactAuc(allPos, allNeg), within(0.002));
  }

  @Test
  void singleClass_hasNoAuc() {
    assertThat(PooledEvaluation.rocAuc(new long[] {3, 0}, new long[] {0, 0})).isNaN();
  }

  @Test
  void perfectSeparation_givesOne_andTiesGiveOneHalf() {
    assertThat(PooledEvaluation.rocAuc(new long[] {0, 5}, new long[] {5, 0})).isEqualTo(1.0);
    assertThat(PooledEvaluation.rocAuc(new long[] {4, 0}, new long[] {4, 0})).isEqualTo(0.5);
  }

  @Test
  void pooledF1AtHalf_matchesTheF1OfAllScoresThresholdedAtHalf() {
    long seed = 123;
    SplittableRandom r = new SplittableRandom(seed);
    int bins = PooledEvaluation.DEFAULT_BINS;
    PooledEvaluation pooled = new PooledEvaluation();
    long tp = 0;
    long fp = 0;
    long fn = 0;
    for (int node = 0; node < 3; node++) {
      long[] ph = new long[bins];
      long[] nh = new long[bins];
      for (int i = 0; i < 60; i++) {
        double s = sigmoid(r.nextGaussian() + 0.5);
        ph[PooledEvaluation.bin(s, bins)]++;
        tp += s >= 0.5 ? 1 : 0;
        fn += s >= 0.5 ? 0 : 1;
      }
      for (int i = 0; i < 300; i++) {
        double s = sigmoid(r.nextGaussian() - 1.5);
        nh[PooledEvaluation.bin(s, bins)]++;
        fp += s >= 0.5 ? 1 : 0;
      }
      EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(360);
      Arrays.stream(ph).forEach(b::addPositiveScoreHistogram);
      Arrays.stream(nh).forEach(b::addNegativeScoreHistogram);
      pooled.add(b.build());
    }
    assertThat(tp).as("seed %d: the case has true and false positives", seed).isPositive();
    assertThat(fp).as("seed %d", seed).isPositive();
    assertThat(pooled.f1()).as("seed %d", seed).isEqualTo(2.0 * tp / (2.0 * tp + fp + fn));
  }

  @Test
  void chatResults_poolTokensForTheLoss_andAnswersForExactMatch() {
    // node 1: 40 assistant tokens, NLL sum 20, 3 of 10 answers exact; node 2: 60 tokens, 40, 7 of 10
    PooledEvaluation pooled = new PooledEvaluation()
        .add(EvaluationResult.newBuilder().setNumExamples(40).setLossSum(20).setNumCorrect(3).setNumAnswers(10).build())
        .add(EvaluationResult.newBuilder().setNumExamples(60).setLossSum(40).setNumCorrect(7).setNumAnswers(10).build());
    assertThat(pooled.examples()).isEqualTo(100);
    assertThat(pooled.meanLoss()).isEqualTo(0.6);
    assertThat(pooled.accuracy()).isEqualTo(0.5);
  }

  @Test
  void f1_edgeCases() {
    // bins [0, 0.5) and [0.5, 1): 3 positives above, 1 below; 2 negatives above
    assertThat(PooledEvaluation.f1AtHalf(new long[] {1, 3}, new long[] {5, 2})).isEqualTo(6.0 / 9);
    assertThat(PooledEvaluation.f1AtHalf(new long[] {2, 0}, new long[] {5, 0})).isZero();
    assertThat(PooledEvaluation.f1AtHalf(new long[] {0, 0}, new long[] {5, 0})).isNaN();
    assertThat(PooledEvaluation.f1AtHalf(new long[] {1, 1, 1}, new long[] {1, 1, 1})).isNaN();
    assertThat(new PooledEvaluation().f1()).isNaN();
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double[] concat(double[] a, double[] b) {
    double[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
