package io.cohort.lm.train;

/**
 * Accuracy, ROC AUC and F1 of a classifier's probabilities. Binary tasks: AUC of P(label 1) and F1
 * of label 1 at the argmax decision. More labels: one-vs-rest AUC and F1, macro-averaged.
 */
public record ClassificationMetrics(int examples, double accuracy, double rocAuc, double f1) {

  /** {@code probs} is [n, labels] row-major. */
  public static ClassificationMetrics of(float[] probs, int[] labels, int numLabels) {
    int n = labels.length;
    int correct = 0;
    int[] predicted = new int[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int c = 1; c < numLabels; c++) {
        if (probs[i * numLabels + c] > probs[i * numLabels + best]) {
          best = c;
        }
      }
      predicted[i] = best;
      if (best == labels[i]) {
        correct++;
      }
    }
    double auc;
    double f1;
    if (numLabels == 2) {
      auc = auc(probs, labels, numLabels, 1);
      f1 = f1(predicted, labels, 1);
    } else {
      double a = 0;
      double f = 0;
      for (int c = 0; c < numLabels; c++) {
        a += auc(probs, labels, numLabels, c);
        f += f1(predicted, labels, c);
      }
      auc = a / numLabels;
      f1 = f / numLabels;
    }
    return new ClassificationMetrics(n, n == 0 ? 0 : (double) correct / n, auc, f1);
  }

  /** Rank-based (Mann-Whitney) AUC of class {@code c} against the rest; ties count half. NaN if one class is absent. */
  static double auc(float[] probs, int[] labels, int numLabels, int c) {
    int n = labels.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (x, y) -> Float.compare(probs[x * numLabels + c], probs[y * numLabels + c]));
    double rankSumPos = 0;
    long pos = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      float v = probs[order[i] * numLabels + c];
      while (j < n && probs[order[j] * numLabels + c] == v) {
        j++;
      }
      double avgRank = (i + 1 + j) / 2.0;
      for (int k = i; k < j; k++) {
        if (labels[order[k]] == c) {
          rankSumPos += avgRank;
          pos++;
        }
      }
      i = j;
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      return Double.NaN;
    }
    return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }

  static double f1(int[] predicted, int[] labels, int c) {
    int tp = 0;
    int fp = 0;
    int fn = 0;
    for (int i = 0; i < labels.length; i++) {
      boolean p = predicted[i] == c;
      boolean y = labels[i] == c;
      if (p && y) {
        tp++;
      } else if (p) {
        fp++;
      } else if (y) {
        fn++;
      }
    }
    return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
  }
}
