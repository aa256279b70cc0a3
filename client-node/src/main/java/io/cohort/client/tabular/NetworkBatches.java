package io.cohort.client.tabular;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Rows of {@link EncodedData} as the arrays a DL4J network takes: features [rows, width], one-hot labels. */
final class NetworkBatches {
  private NetworkBatches() {}

  /** Features of {@code rows} (indices into {@code data}), in that order. */
  static INDArray features(EncodedData data, int[] rows, DataType type) {
    int width = data.width();
    float[] x = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(data.features(), rows[i] * width, x, i * width, width);
    }
    return Nd4j.create(x, new long[] {rows.length, width}, DataType.FLOAT).castTo(type);
  }

  /** One-hot labels of {@code rows}, [rows, classes]; for regression the scaled targets, [rows, 1]. */
  static INDArray labels(EncodedData data, int[] rows, DataType type) {
    if (data.regression()) {
      float[] y = new float[rows.length];
      for (int i = 0; i < rows.length; i++) {
        y[i] = (float) data.scaledTarget(rows[i]);
      }
      return Nd4j.create(y, new long[] {rows.length, 1}, DataType.FLOAT).castTo(type);
    }
    int classes = data.numClasses();
    float[] y = new float[rows.length * classes];
    for (int i = 0; i < rows.length; i++) {
      y[i * classes + data.labels()[rows[i]]] = 1;
    }
    return Nd4j.create(y, new long[] {rows.length, classes}, DataType.FLOAT).castTo(type);
  }

  static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }
}
