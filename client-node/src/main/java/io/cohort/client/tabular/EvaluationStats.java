package io.cohort.client.tabular;

import io.cohort.proto.v1.EvaluationResult;
import io.cohort.wire.PooledEvaluation;
import java.util.Arrays;

/**
 * Sufficient statistics of evaluating a classifier on one node's rows, poolable across nodes
 * by {@link PooledEvaluation} without revealing any single prediction.
 *
 * <p>The score is the softmax probability of the positive class, which is class index 1 of a
 * binary task and, for more than 2 classes, the last class ({@code numClasses - 1}) against
 * all others (one-vs-rest). Rows of the positive class are counted in
 * {@code positiveScoreHistogram}, all others in {@code negativeScoreHistogram}, each in
 * {@link PooledEvaluation#DEFAULT_BINS} equal-width bins over [0, 1] chosen by
 * {@link PooledEvaluation#bin}.
 *
 * <p>The arrays are not copied; do not change them after construction.
 *
 * @param numExamples number of rows evaluated
 * @param lossSum sum of per-row cross-entropy losses (natural log), each capped at {@link #LOSS_CAP}
 * @param numCorrect rows whose most probable class (lowest index on ties) is the true class
 * @param positiveScoreHistogram per-bin counts of positive-class rows
 * @param negativeScoreHistogram per-bin counts of the other rows
 */
public record EvaluationStats(
    long numExamples,
    double lossSum,
    long numCorrect,
    long[] positiveScoreHistogram,
    long[] negativeScoreHistogram) {

  /**
   * Cap of one row's validation loss in nats (issue 19 #3): it bounds what one record adds to {@code lossSum},
   * so that the sum can be noised under DP; it bites only where the true class's probability is below
   * e^-10 (about 4.5e-5).
   */
  public static final double LOSS_CAP = 10;

  /** A row's cross-entropy loss from its true class's probability, floored and capped at {@link #LOSS_CAP}. */
  public static double rowLoss(double trueClassProbability) {
    return Math.min(LOSS_CAP, -Math.log(Math.max(trueClassProbability, Float.MIN_NORMAL)));
  }

  public EvaluationStats {
    if (positiveScoreHistogram == null || negativeScoreHistogram == null) {
      throw new IllegalArgumentException("score histograms must be arrays, got null");
    }
    if (positiveScoreHistogram.length != negativeScoreHistogram.length) {
      throw new IllegalArgumentException(
          "score histograms differ in length: " + positiveScoreHistogram.length + " vs "
              + negativeScoreHistogram.length + "; both need the same bins");
    }
  }

  /** Mean loss per row; NaN when no rows were evaluated. */
  public double meanLoss() {
    return numExamples == 0 ? Double.NaN : lossSum / numExamples;
  }

  /** Fraction of rows classified correctly; NaN when no rows were evaluated. */
  public double accuracy() {
    return numExamples == 0 ? Double.NaN : (double) numCorrect / numExamples;
  }

  /** ROC AUC of the positive-class score from the histograms; NaN when a side is empty. */
  public double rocAuc() {
    return PooledEvaluation.rocAuc(positiveScoreHistogram, negativeScoreHistogram);
  }

  /** The wire form, for {@code PushEvaluation}. */
  public EvaluationResult toProto() {
    EvaluationResult.Builder b =
        EvaluationResult.newBuilder()
            .setNumExamples(numExamples)
            .setLossSum(lossSum)
            .setNumCorrect(numCorrect);
    for (long count : positiveScoreHistogram) {
      b.addPositiveScoreHistogram(count);
    }
    for (long count : negativeScoreHistogram) {
      b.addNegativeScoreHistogram(count);
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationStats s
        && numExamples == s.numExamples
        && Double.compare(lossSum, s.lossSum) == 0
        && numCorrect == s.numCorrect
        && Arrays.equals(positiveScoreHistogram, s.positiveScoreHistogram)
        && Arrays.equals(negativeScoreHistogram, s.negativeScoreHistogram);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(
        new long[] {
          numExamples,
          Double.hashCode(lossSum),
          numCorrect,
          Arrays.hashCode(positiveScoreHistogram),
          Arrays.hashCode(negativeScoreHistogram)
        });
  }

  @Override
  public String toString() {
    return "EvaluationStats[examples=" + numExamples + ", meanLoss=" + meanLoss()
        + ", accuracy=" + accuracy() + ", rocAuc=" + rocAuc() + "]";
  }
}
