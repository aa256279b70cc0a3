package io.cohort.client.tabular;

/**
 * Model-ready rows: a row-major {@code size() x width} float32 feature matrix and a class index
 * per row, or, for a regression job, a number per row.
 *
 * <p>The arrays are taken as given, not copied (they can be large); whoever builds an instance
 * hands them over and must not change them afterwards. {@code equals} compares the arrays by
 * identity, as for any record with array components.
 *
 * @param features row-major features, {@code labels.length * width} values
 * @param width number of features per row; at least 1
 * @param labels class index of each row, in {@code [0, numClasses)}; all 0 for regression
 * @param numClasses number of classes, at least 2; 1 (one output) for regression
 * @param targets regression only (else null): each row's label in its own units
 * @param targetCenter regression: the network is trained on {@code (target - center) / scale}
 * @param targetScale regression: see targetCenter; positive
 */
public record EncodedData(float[] features, int width, int[] labels, int numClasses, double[] targets,
    double targetCenter, double targetScale) {

  /** Classification rows. */
  public EncodedData(float[] features, int width, int[] labels, int numClasses) {
    this(features, width, labels, numClasses, null, 0, 1);
  }

  /** Regression rows: {@code targets} in the label's units, trained on as (target - center) / scale. */
  public static EncodedData regression(float[] features, int width, double[] targets, double center, double scale) {
    if (targets == null) {
      throw new IllegalArgumentException("targets must be an array, got null");
    }
    return new EncodedData(features, width, new int[targets.length], 1, targets, center, scale);
  }

  public EncodedData {
    if (features == null || labels == null) {
      throw new IllegalArgumentException("features and labels must be arrays, got null");
    }
    if (width < 1) {
      throw new IllegalArgumentException("width is " + width + "; expected at least 1");
    }
    if (targets == null && numClasses < 2) {
      throw new IllegalArgumentException("numClasses is " + numClasses + "; expected at least 2");
    }
    if (targets != null && (numClasses != 1 || targets.length != labels.length)) {
      throw new IllegalArgumentException("regression data has " + numClasses + " outputs and " + targets.length
          + " targets for " + labels.length + " rows; expected 1 output and one target per row");
    }
    if (targets != null && !(targetScale > 0 && Double.isFinite(targetScale) && Double.isFinite(targetCenter))) {
      throw new IllegalArgumentException("targetScale is " + targetScale + " and targetCenter " + targetCenter
          + "; expected a finite center and a finite scale > 0");
    }
    if ((long) labels.length * width != features.length) {
      throw new IllegalArgumentException(
          "features has " + features.length + " values; expected labels.length x width = "
              + labels.length + " x " + width + " = " + (long) labels.length * width);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            "labels[" + i + "] is " + labels[i] + "; expected a class index in [0, "
                + numClasses + ")");
      }
    }
  }

  /** True for regression rows ({@link #targets} set). */
  public boolean regression() {
    return targets != null;
  }

  /** Row {@code row}'s regression target as the network is trained on it: (target - center) / scale. */
  public double scaledTarget(int row) {
    return (targets[row] - targetCenter) / targetScale;
  }

  /** Number of rows. */
  public int size() {
    return labels.length;
  }

  /** Feature {@code column} of row {@code row}. */
  public float feature(int row, int column) {
    if (column < 0 || column >= width) {
      throw new IndexOutOfBoundsException("column " + column + " outside 0.." + (width - 1));
    }
    return features[row * width + column];
  }
}
