package io.cohort.client.tabular;

import io.cohort.proto.v1.ClassScoreHistograms;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.RegressionStatistics;
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
 * @param regression a regression job's sums (then the histograms are empty and lossSum is the sum of squared or
 *     absolute errors, as the job's loss); null for classification
 * @param classPositives a multi-class job's per-class one-vs-rest histograms of each class's softmax score over
 *     its own rows ([class][bin]); null for binary and regression jobs
 * @param classNegatives the same over the other rows
 */
public record EvaluationStats(
    long numExamples,
    double lossSum,
    long numCorrect,
    long[] positiveScoreHistogram,
    long[] negativeScoreHistogram,
    RegressionSums regression,
    long[][] classPositives,
    long[][] classNegatives) {

  /**
   * Sums of a regression evaluation in the label's units, poolable by addition: rows, squared errors, absolute
   * errors, labels and squared labels.
   */
  public record RegressionSums(long count, double sumSquaredError, double sumAbsoluteError, double sumLabel,
      double sumLabelSquared) {
    /** Root mean squared error; NaN without rows. */
    public double rmse() {
      return count == 0 ? Double.NaN : Math.sqrt(sumSquaredError / count);
    }

    public double mae() {
      return count == 0 ? Double.NaN : sumAbsoluteError / count;
    }

    /** 1 - SSE / SST; NaN when the labels do not vary. */
    public double r2() {
      double sst = count == 0 ? 0 : sumLabelSquared - sumLabel * sumLabel / count;
      return sst > 0 ? 1 - sumSquaredError / sst : Double.NaN;
    }
  }

  /** A binary (or, without per-class histograms, any classification) evaluation. */
  public EvaluationStats(long numExamples, double lossSum, long numCorrect, long[] positiveScoreHistogram,
      long[] negativeScoreHistogram) {
    this(numExamples, lossSum, numCorrect, positiveScoreHistogram, negativeScoreHistogram, null, null, null);
  }

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
    if ((classPositives == null) != (classNegatives == null)
        || (classPositives != null && classPositives.length != classNegatives.length)) {
      throw new IllegalArgumentException("per-class histograms must come in pairs, one of each per class");
    }
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

  /** Macro one-vs-rest ROC AUC over the classes with rows on both sides; NaN without per-class histograms. */
  public double macroRocAuc() {
    return classPositives == null ? Double.NaN : new PooledEvaluation().add(toProto()).macroRocAuc();
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
    if (regression != null) {
      b.setRegression(RegressionStatistics.newBuilder().setCount(regression.count())
          .setSumSquaredError(regression.sumSquaredError()).setSumAbsoluteError(regression.sumAbsoluteError())
          .setSumLabel(regression.sumLabel()).setSumLabelSquared(regression.sumLabelSquared()));
    }
    if (classPositives != null) {
      for (int c = 0; c < classPositives.length; c++) {
        ClassScoreHistograms.Builder h = ClassScoreHistograms.newBuilder();
        Arrays.stream(classPositives[c]).forEach(h::addPositive);
        Arrays.stream(classNegatives[c]).forEach(h::addNegative);
        b.addClassScoreHistograms(h);
      }
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
        && Arrays.equals(negativeScoreHistogram, s.negativeScoreHistogram)
        && java.util.Objects.equals(regression, s.regression)
        && Arrays.deepEquals(classPositives, s.classPositives)
        && Arrays.deepEquals(classNegatives, s.classNegatives);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(
        new long[] {
          numExamples,
          Double.hashCode(lossSum),
          numCorrect,
          Arrays.hashCode(positiveScoreHistogram),
          Arrays.hashCode(negativeScoreHistogram),
          java.util.Objects.hashCode(regression),
          Arrays.deepHashCode(classPositives)
        });
  }

  @Override
  public String toString() {
    if (regression != null) {
      return "EvaluationStats[examples=" + numExamples + ", meanLoss=" + meanLoss() + ", rmse=" + regression.rmse()
          + ", mae=" + regression.mae() + ", r2=" + regression.r2() + "]";
    }
    return "EvaluationStats[examples=" + numExamples + ", meanLoss=" + meanLoss()
        + ", accuracy=" + accuracy() + ", rocAuc=" + rocAuc()
        + (classPositives == null ? "" : ", macroRocAuc=" + macroRocAuc()) + "]";
  }
}
