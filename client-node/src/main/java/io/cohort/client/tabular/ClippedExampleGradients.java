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
    if (rows.length == 0) {
      return new ArrayList<>();
    }
    INDArray x = NetworkBatches.features(data, rows, type);
    INDArray y = NetworkBatches.labels(data, rows, type);
    return model.denseOnly() ? dense(model, net, x, y, clipNorm) : microBatches(model, net, x, y, clipNorm);
  }

  /**
   * The DP-SGD fast path's single vectorised pass; each example's clipped gradient is then its own row
   * of the deltas and layer inputs (a one-row scaled sum).
   */
  static List<float[]> dense(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray y, double clipNorm) {
    PerExampleGradients.Backward all = PerExampleGradients.denseBackward(model, net, x, y);
    float[] factors = TabularNetwork.toFloats(
        PerExampleGradients.clipFactors(PerExampleGradients.norms(all), clipNorm));
    int layers = all.deltas().length;
    // Plain Java from here: per example the work is one outer product per layer, far below the cost
    // of an ND4J call each (JNI), and the result must be a Java array anyway.
    float[][] inputs = new float[layers][];
    float[][] deltas = new float[layers][];
    int[] ins = new int[layers];
    int[] outs = new int[layers];
    for (int l = 0; l < layers; l++) {
      inputs[l] = TabularNetwork.toFloats(all.inputs()[l]);
      deltas[l] = TabularNetwork.toFloats(all.deltas()[l]);
      ins[l] = (int) all.inputs()[l].columns();
      outs[l] = (int) all.deltas()[l].columns();
    }
    int parameters = model.parameterCount();
    List<float[]> out = new ArrayList<>(x.rows());
    for (int b = 0; b < x.rows(); b++) {
      // DL4J's flat order (as PerExampleGradients.scaledSum): per layer W as [out, in] row-major, then b.
      float[] g = new float[parameters];
      int at = 0;
      for (int l = 0; l < layers; l++) {
        int in = ins[l];
        int o = outs[l];
        for (int k = 0; k < o; k++) {
          float d = deltas[l][b * o + k] * factors[b];
          for (int i = 0; i < in; i++) {
            g[at + k * in + i] = d * inputs[l][b * in + i];
          }
        }
        at += o * in;
        for (int k = 0; k < o; k++) {
          g[at + k] = deltas[l][b * o + k] * factors[b];
        }
        at += o;
      }
      if (at != parameters) {
        throw new IllegalStateException("the dense path covered " + at + " of " + parameters + " parameters");
      }
      out.add(inTensorOrder(model.toBundle(g)));
    }
    return out;
  }

  /** The general path: DL4J's backward pass once per example. */
  static List<float[]> microBatches(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray y,
      double clipNorm) {
    List<float[]> out = new ArrayList<>(x.rows());
    for (int b = 0; b < x.rows(); b++) {
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
