package io.cohort.client.tabular;

/**
 * Model-ready rows: a row-major {@code size() x width} float32 feature matrix and a class index
 * per row.
 *
 * <p>The arrays are taken as given, not copied (they can be large); whoever builds an instance
 * hands them over and must not change them afterwards. {@code equals} compares the arrays by
 * identity, as for any record with array components.
 *
 * @param features row-major features, {@code labels.length * width} values
 * @param width number of features per row; at least 1
 * @param labels class index of each row, in {@code [0, numClasses)}
 * @param numClasses number of classes; at least 2
 */
public record EncodedData(float[] features, int width, int[] labels, int numClasses) {

  public EncodedData {
    if (features == null || labels == null) {
      throw new IllegalArgumentException("features and labels must be arrays, got null");
    }
    if (width < 1) {
      throw new IllegalArgumentException("width is " + width + "; expected at least 1");
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses is " + numClasses + "; expected at least 2");
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
