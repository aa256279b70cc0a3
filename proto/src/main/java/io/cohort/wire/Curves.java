package io.cohort.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ROC and precision–recall curves of pooled score histograms (issue 23 #7), in the one place that the API, the
 * dashboard and {@code cohort job report} take them from. A point is the classifier that calls positive every
 * example at or above a bin edge, swept from the top edge down, so the points are those of
 * {@link PooledEvaluation#atThreshold}. Edges whose bin is empty add no point: they repeat their neighbour.
 *
 * <p>The ROC curve's trapezoid area is exactly {@link PooledEvaluation#rocAuc} (a bin's positives and negatives
 * enter together, a diagonal step, which is the Mann-Whitney tie's one half); the PR curve's step area, the sum
 * of recall gained times precision, is exactly {@link PooledEvaluation#prAuc}.
 */
public final class Curves {
  private Curves() {}

  /** A point of the ROC curve: false and true positive rates of scores at or above {@code threshold}. */
  public record RocPoint(double threshold, double falsePositiveRate, double truePositiveRate) {}

  /** A point of the PR curve: recall and precision of scores at or above {@code threshold}. */
  public record PrPoint(double threshold, double recall, double precision) {}

  /**
   * ROC points from (0, 0) at threshold 1 to (1, 1) at threshold 0, one per non-empty bin; empty when either
   * class is absent (the curve is undefined).
   */
  public static List<RocPoint> roc(long[] positives, long[] negatives) {
    check(positives, negatives);
    long totalPos = Arrays.stream(positives).sum();
    long totalNeg = Arrays.stream(negatives).sum();
    List<RocPoint> out = new ArrayList<>();
    if (totalPos == 0 || totalNeg == 0) {
      return out;
    }
    int bins = positives.length;
    out.add(new RocPoint(1.0, 0, 0));
    long tp = 0;
    long fp = 0;
    for (int i = bins - 1; i >= 0; i--) {
      if (positives[i] == 0 && negatives[i] == 0) {
        continue;
      }
      tp += positives[i];
      fp += negatives[i];
      out.add(new RocPoint((double) i / bins, (double) fp / totalNeg, (double) tp / totalPos));
    }
    return out;
  }

  /**
   * PR points, one per bin holding a positive, from the highest score down; each is the precision after the
   * bin's examples joined and the recall reached. Empty without positives. (Bins with only negatives lower the
   * next point's precision and add no recall, so they need no point of their own.)
   */
  public static List<PrPoint> precisionRecall(long[] positives, long[] negatives) {
    check(positives, negatives);
    long totalPos = Arrays.stream(positives).sum();
    List<PrPoint> out = new ArrayList<>();
    if (totalPos == 0) {
      return out;
    }
    int bins = positives.length;
    long tp = 0;
    long fp = 0;
    for (int i = bins - 1; i >= 0; i--) {
      tp += positives[i];
      fp += negatives[i];
      if (positives[i] > 0) {
        out.add(new PrPoint((double) i / bins, (double) tp / totalPos, (double) tp / (tp + fp)));
      }
    }
    return out;
  }

  /** Area under ROC points by the trapezoid rule; NaN for an empty curve. */
  public static double trapezoidArea(List<RocPoint> points) {
    if (points.isEmpty()) {
      return Double.NaN;
    }
    double area = 0;
    for (int i = 1; i < points.size(); i++) {
      RocPoint a = points.get(i - 1);
      RocPoint b = points.get(i);
      area += (b.falsePositiveRate() - a.falsePositiveRate()) * (a.truePositiveRate() + b.truePositiveRate()) / 2;
    }
    return area;
  }

  /** Average precision of PR points: the sum of the recall each point gains times its precision; NaN if empty. */
  public static double stepArea(List<PrPoint> points) {
    if (points.isEmpty()) {
      return Double.NaN;
    }
    double area = 0;
    double recall = 0;
    for (PrPoint p : points) {
      area += (p.recall() - recall) * p.precision();
      recall = p.recall();
    }
    return area;
  }

  private static void check(long[] positives, long[] negatives) {
    if (positives.length != negatives.length || positives.length == 0) {
      throw new IllegalArgumentException("score histograms have " + positives.length + " and " + negatives.length
          + " bins; expected the same number, at least 1");
    }
  }
}
