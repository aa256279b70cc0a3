package io.cohort.client.tabular;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Distributed DP-SGD's input from a tabular node (issue 19 #1): one clipped gradient per sampled
 * unit (today a unit is a record), each of L2 norm at most C, as a flat vector in the tensor order of
 * the global model (the order the coordinator decodes into), at the global parameters. They are
 * handed one by one to the distributed encoder, which rounds each unit separately; a privacy unit
 * made of several records would pass the sum of its records' gradients, clipped once.
 */
public final class ClippedExampleGradients {
  private static final double TINY = 1e-12;

  private ClippedExampleGradients() {}

  /**
   * The clipped gradients of {@code rows} of {@code data} at {@code global}.
   *
   * @throws IllegalArgumentException when the model does not fit the data or has a layer that DP cannot clip
   */
  public static List<float[]> of(TabularNetwork model, TensorBundle global, EncodedData data, int[] rows,
      double clipNorm) {
    model.checkPrivate();
    NetworkTraining.requireFits(model, data);
    MultiLayerNetwork net = model.network(global);
    DataType type = net.params().dataType();
    List<float[]> out = new ArrayList<>(rows.length);
    if (rows.length == 0) {
      return out;
    }
    INDArray x = NetworkBatches.features(data, rows, type);
    INDArray y = NetworkBatches.labels(data, rows, type);
    for (int b = 0; b < rows.length; b++) {
      INDArray g = PerExampleGradients.exampleGradient(net, x, y, b);
      double factor = Math.min(1.0, clipNorm / (g.norm2Number().doubleValue() + TINY));
      out.add(inTensorOrder(model.toBundle(TabularNetwork.toFloats(g.muli(factor)))));
    }
    return out;
  }

  /** The bundle's values, tensor after tensor: the flat order of the global model on the wire. */
  static float[] inTensorOrder(TensorBundle b) {
    int n = 0;
    for (Tensor t : b.tensors()) {
      n += t.values().length;
    }
    float[] flat = new float[n];
    int at = 0;
    for (Tensor t : b.tensors()) {
      float[] v = t.values();
      System.arraycopy(v, 0, flat, at, v.length);
      at += v.length;
    }
    return flat;
  }
}
