package io.cohort.wire;

import io.cohort.proto.v1.ClassScoreHistograms;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.RegressionStatistics;
import java.util.Arrays;

/**
 * Pools per-node evaluation statistics into federation-wide metrics: mean loss, accuracy, and
 * ROC AUC, PR AUC, and precision / recall / F1 at any threshold (0.5, or the F1-maximising one) from
 * summed score histograms. No single prediction is needed, only counts.
 *
 * <p>ROC AUC from histograms counts a positive and a negative in the same bin as half a
 * correctly ordered pair (the Mann-Whitney statistic with ties), so with {@link #DEFAULT_BINS}
 * bins it differs from the exact AUC only by pairs whose scores lie within 1/1000 of each other.
 */
public final class PooledEvaluation {
  public static final int DEFAULT_BINS = 1000;

  private long examples;
  private double lossSum;
  private long correct;
  private long answers;
  private long[] positives;
  private long[] negatives;
  /** Regression sums (count, SSE, SAE, sum y, sum y^2); null until a result carries them. */
  private double[] regression;
  /** Multi-class: per class, its one-vs-rest positive and negative histograms; null until a result carries them. */
  private long[][] classPositives;
  private long[][] classNegatives;

  /** Adds one node's result; all results must use the same number of bins. */
  public PooledEvaluation add(EvaluationResult r) {
    // Check everything before changing anything, so that a rejected result leaves the pool as it was.
    new PooledEvaluation().addRegression(r);
    checkClassHistograms(r);
    long[] pos = r.getPositiveScoreHistogramList().stream().mapToLong(Long::longValue).toArray();
    long[] neg = r.getNegativeScoreHistogramList().stream().mapToLong(Long::longValue).toArray();
    if (pos.length != neg.length) {
      throw new IllegalArgumentException(
          "score histograms differ in length: " + pos.length + " vs " + neg.length);
    }
    if (positives == null) {
      positives = new long[pos.length];
      negatives = new long[neg.length];
    } else if (positives.length != pos.length) {
      throw new IllegalArgumentException(
          "score histogram has " + pos.length + " bins; earlier results had " + positives.length);
    }
    for (int i = 0; i < pos.length; i++) {
      positives[i] += pos[i];
      negatives[i] += neg[i];
    }
    examples += r.getNumExamples();
    lossSum += r.getLossSum();
    correct += r.getNumCorrect();
    answers += r.getNumAnswers();
    addRegression(r);
    addClassHistograms(r);
    return this;
  }

  private void addRegression(EvaluationResult r) {
    if (!r.hasRegression()) {
      return;
    }
    RegressionStatistics g = r.getRegression();
    if (g.getCount() < 0) {
      throw new IllegalArgumentException("regression count is " + g.getCount() + "; expected at least 0");
    }
    double[] add = {g.getCount(), g.getSumSquaredError(), g.getSumAbsoluteError(), g.getSumLabel(),
        g.getSumLabelSquared()};
    for (double v : add) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("regression statistics hold " + v + "; expected finite sums");
      }
    }
    if (regression == null) {
      regression = new double[add.length];
    }
    for (int i = 0; i < add.length; i++) {
      regression[i] += add[i];
    }
  }

  private void addClassHistograms(EvaluationResult r) {
    if (r.getClassScoreHistogramsCount() == 0) {
      return;
    }
    if (classPositives == null) {
      classPositives = new long[r.getClassScoreHistogramsCount()][r.getClassScoreHistograms(0).getPositiveCount()];
      classNegatives = new long[classPositives.length][classPositives[0].length];
    }
    for (int c = 0; c < classPositives.length; c++) {
      ClassScoreHistograms h = r.getClassScoreHistograms(c);
      for (int i = 0; i < classPositives[c].length; i++) {
        classPositives[c][i] += h.getPositive(i);
        classNegatives[c][i] += h.getNegative(i);
      }
    }
  }

  private void checkClassHistograms(EvaluationResult r) {
    if (r.getClassScoreHistogramsCount() == 0) {
      return;
    }
    int k = r.getClassScoreHistogramsCount();
    if (classPositives != null && classPositives.length != k) {
      throw new IllegalArgumentException("result has score histograms of " + k + " classes; earlier results had "
          + classPositives.length);
    }
    for (int c = 0; c < k; c++) {
      ClassScoreHistograms h = r.getClassScoreHistograms(c);
      if (h.getPositiveCount() != h.getNegativeCount()
          || (classPositives != null && classPositives[c].length != h.getPositiveCount())) {
        throw new IllegalArgumentException("class " + c + "'s score histograms have " + h.getPositiveCount() + " and "
            + h.getNegativeCount() + " bins; all must have the same number");
      }
    }
    int bins = r.getClassScoreHistograms(0).getPositiveCount();
    for (int c = 1; c < k; c++) {
      if (r.getClassScoreHistograms(c).getPositiveCount() != bins) {
        throw new IllegalArgumentException("class " + c + "'s score histograms have "
            + r.getClassScoreHistograms(c).getPositiveCount() + " bins; class 0's have " + bins);
      }
    }
  }

  /** A copy of the pooled positive-class score histogram of the positive rows; null before any result. */
  public long[] positiveHistogram() {
    return positives == null ? null : positives.clone();
  }

  /** A copy of the pooled positive-class score histogram of the negative rows; null before any result. */
  public long[] negativeHistogram() {
    return negatives == null ? null : negatives.clone();
  }

  /** True when some result carried regression statistics (a regression job). */
  public boolean isRegression() {
    return regression != null;
  }

  /** Root mean squared error over the pooled rows; NaN without regression statistics or rows. */
  public double rmse() {
    return regression == null || regression[0] == 0 ? Double.NaN : Math.sqrt(regression[1] / regression[0]);
  }

  /** Mean absolute error over the pooled rows; NaN without regression statistics or rows. */
  public double mae() {
    return regression == null || regression[0] == 0 ? Double.NaN : regression[2] / regression[0];
  }

  /**
   * Coefficient of determination 1 - SSE / SST, with SST = sum y^2 - (sum y)^2 / n the pooled labels' total sum
   * of squares about their pooled mean; NaN without rows or when every label is the same (SST = 0).
   */
  public double r2() {
    if (regression == null || regression[0] == 0) {
      return Double.NaN;
    }
    double sst = regression[4] - regression[3] * regression[3] / regression[0];
    return sst <= 0 ? Double.NaN : 1 - regression[1] / sst;
  }

  /**
   * Macro one-vs-rest ROC AUC of a multi-class job: the mean over classes of the AUC of class c's score
   * separating its rows from the others, over the classes where both sides have rows; NaN without per-class
   * histograms or when no class has both.
   */
  public double macroRocAuc() {
    if (classPositives == null) {
      return Double.NaN;
    }
    double sum = 0;
    int classes = 0;
    for (int c = 0; c < classPositives.length; c++) {
      double auc = rocAuc(classPositives[c], classNegatives[c]);
      if (!Double.isNaN(auc)) {
        sum += auc;
        classes++;
      }
    }
    return classes == 0 ? Double.NaN : sum / classes;
  }

  public long examples() {
    return examples;
  }

  public double meanLoss() {
    return examples == 0 ? Double.NaN : lossSum / examples;
  }

  /**
   * Correct over examples; for chat SFT results (which report answers), exact matches over the
   * answered conversations, since their examples are assistant tokens.
   */
  public double accuracy() {
    if (answers > 0) {
      return (double) correct / answers;
    }
    return examples == 0 ? Double.NaN : (double) correct / examples;
  }

  /** ROC AUC of the positive-class score; NaN when either class is absent. */
  public double rocAuc() {
    return positives == null ? Double.NaN : rocAuc(positives, negatives);
  }

  /**
   * F1 of the positive class at score threshold 0.5 (an example is predicted positive when its
   * score falls in the upper half of the bins); NaN with an odd bin count, where 0.5 is not a
   * bin edge, or when there are neither positives nor predicted positives.
   */
  public double f1() {
    return positives == null ? Double.NaN : f1AtHalf(positives, negatives);
  }

  /** F1 = 2TP / (2TP + FP + FN) at threshold 0.5 from per-bin counts with an even number of bins. */
  public static double f1AtHalf(long[] positives, long[] negatives) {
    if (positives.length % 2 != 0) {
      return Double.NaN;
    }
    long tp = 0;
    long fp = 0;
    for (int i = positives.length / 2; i < positives.length; i++) {
      tp += positives[i];
      fp += negatives[i];
    }
    long fn = Arrays.stream(positives).sum() - tp;
    long denominator = 2 * tp + fp + fn;
    return denominator == 0 ? Double.NaN : 2.0 * tp / denominator;
  }

  /**
   * Precision, recall and F1 of the positive class when an example counts as positive at score
   * {@code threshold} or above, rounded down to a bin edge (a bin is wholly above or below it).
   *
   * @param threshold the bin edge actually used, in [0, 1]
   * @param precision TP / (TP + FP); NaN when nothing is predicted positive
   * @param recall TP / (TP + FN); NaN when there are no positives
   * @param f1 2TP / (2TP + FP + FN); NaN when there are neither positives nor predicted positives
   */
  public record ThresholdMetrics(double threshold, double precision, double recall, double f1) {}

  /** {@link ThresholdMetrics} of the pooled histograms at {@code threshold}; null before any result. */
  public ThresholdMetrics atThreshold(double threshold) {
    return positives == null ? null : atThreshold(positives, negatives, threshold);
  }

  /**
   * The bin edge that maximises F1 on the pooled histograms (the lowest such edge on ties) and its
   * metrics; null before any result. Tuned on the data it reports on, so it flatters: use it to pick
   * a threshold on validation data, then report at that threshold on held-out data.
   */
  public ThresholdMetrics bestF1() {
    return positives == null ? null : bestF1(positives, negatives);
  }

  /** Area under the precision–recall curve (average precision) of the pooled histograms; NaN without positives. */
  public double prAuc() {
    return positives == null ? Double.NaN : prAuc(positives, negatives);
  }

  /** Metrics at {@code threshold} (rounded down to one of the {@code positives.length} bin edges). */
  public static ThresholdMetrics atThreshold(long[] positives, long[] negatives, double threshold) {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold is " + threshold + "; expected a score in [0, 1]");
    }
    int edge = (int) Math.floor(threshold * positives.length + 1e-9);
    return atEdge(positives, negatives, Math.min(edge, positives.length));
  }

  /** The F1-maximising bin edge of the histograms; see {@link #bestF1()}. */
  public static ThresholdMetrics bestF1(long[] positives, long[] negatives) {
    ThresholdMetrics best = atEdge(positives, negatives, 0);
    for (int edge = 1; edge <= positives.length; edge++) {
      ThresholdMetrics m = atEdge(positives, negatives, edge);
      if (m.f1() > best.f1() || (Double.isNaN(best.f1()) && !Double.isNaN(m.f1()))) {
        best = m;
      }
    }
    return best;
  }

  private static ThresholdMetrics atEdge(long[] positives, long[] negatives, int edge) {
    long tp = 0;
    long fp = 0;
    for (int i = edge; i < positives.length; i++) {
      tp += positives[i];
      fp += negatives[i];
    }
    long fn = Arrays.stream(positives).sum() - tp;
    double precision = tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
    double recall = tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
    long denominator = 2 * tp + fp + fn;
    return new ThresholdMetrics((double) edge / positives.length, precision, recall,
        denominator == 0 ? Double.NaN : 2.0 * tp / denominator);
  }

  /**
   * Average precision: Σ over bins from the highest score down of (recall gained) × (precision
   * with that bin included), so a bin's examples enter together, as tied scores do.
   */
  public static double prAuc(long[] positives, long[] negatives) {
    long totalPos = Arrays.stream(positives).sum();
    if (totalPos == 0) {
      return Double.NaN;
    }
    double ap = 0;
    long tp = 0;
    long fp = 0;
    for (int i = positives.length - 1; i >= 0; i--) {
      if (positives[i] == 0) {
        fp += negatives[i];
        continue;
      }
      tp += positives[i];
      fp += negatives[i];
      ap += ((double) positives[i] / totalPos) * ((double) tp / (tp + fp));
    }
    return ap;
  }

  /** Mann-Whitney AUC from per-bin counts of positives and negatives (ties count one half). */
  public static double rocAuc(long[] positives, long[] negatives) {
    long totalPos = Arrays.stream(positives).sum();
    long totalNeg = Arrays.stream(negatives).sum();
    if (totalPos == 0 || totalNeg == 0) {
      return Double.NaN;
    }
    double pairs = 0;
    long negativesBelow = 0;
    for (int i = 0; i < positives.length; i++) {
      pairs += positives[i] * (negativesBelow + 0.5 * negatives[i]);
      negativesBelow += negatives[i];
    }
    return pairs / ((double) totalPos * totalNeg);
  }

  /** The bin of a score in [0, 1] among {@code bins} equal-width bins. */
  public static int bin(double score, int bins) {
    if (!(score >= 0)) {
      return 0;
    }
    return (int) Math.min(bins - 1, Math.floor(score * bins));
  }
}
