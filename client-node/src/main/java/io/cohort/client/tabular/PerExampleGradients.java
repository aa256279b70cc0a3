package io.cohort.client.tabular;

import io.cohort.client.tabular.MlpClassifier.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-example gradients of the MLP's cross-entropy, computed for a whole batch at once, and their
 * clipped sum for DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016).
 *
 * <p>For a dense layer {@code z = a W^T + b}, example b's weight gradient is the outer product
 * {@code delta_b a_b^T} of its output delta and its input, and its bias gradient is {@code delta_b}.
 * The L2 norm of an outer product is the product of the norms, so an example's squared gradient
 * norm over all layers is {@code sum_i |delta_b^i|^2 (|a_b^i|^2 + 1)} (Goodfellow 2015, "Efficient
 * per-example gradient computations"): the clip factors need only row norms of the batch's deltas
 * and inputs, and the clipped sum is one matrix product per layer with deltas scaled by their
 * example's factor. {@link #materialise} builds the per-example gradients themselves with batched
 * outer products; it is the obviously-correct reference that tests hold the fast path to.
 */
final class PerExampleGradients {
  /** Added to norms before dividing, so an all-zero gradient gets factor 1, not NaN. */
  private static final double TINY = 1e-12;

  private PerExampleGradients() {}

  /** The batch's layer inputs and per-example (unscaled) output deltas, from one forward and backward pass. */
  record Backward(double lossSum, INDArray[] inputs, INDArray[] deltas) {
    int rows() {
      return (int) inputs[0].size(0);
    }
  }

  /** Forward and backward pass over {@code x} [rows, in], keeping each example's delta (not averaged). */
  static Backward backward(Network net, INDArray x, int[] labels) {
    int layers = net.weights.length;
    INDArray[] inputs = new INDArray[layers];
    INDArray[] masks = new INDArray[layers];
    INDArray logProbs = Network.logSoftmax(net.forward(x, inputs, masks));
    INDArray oneHot = net.oneHot(labels, (int) net.weights[layers - 1].size(0));
    double lossSum = -logProbs.mul(oneHot).sumNumber().doubleValue();
    // d(loss_b)/d(logits_b) = softmax_b - onehot_b, one row per example.
    INDArray delta = Transforms.exp(logProbs, true).subi(oneHot);
    INDArray[] deltas = new INDArray[layers];
    for (int i = layers - 1; i >= 0; i--) {
      deltas[i] = delta;
      if (i > 0) {
        delta = delta.mmul(net.weights[i]).muli(masks[i - 1]);
      }
    }
    return new Backward(lossSum, inputs, deltas);
  }

  /** Each example's L2 gradient norm over all parameters, a [rows] vector, without materialising gradients. */
  static INDArray norms(Backward b) {
    INDArray squared = Nd4j.zeros(b.deltas()[0].dataType(), b.rows());
    for (int i = 0; i < b.deltas().length; i++) {
      INDArray deltaSq = b.deltas()[i].mul(b.deltas()[i]).sum(1);
      INDArray inputSqPlusOne = b.inputs()[i].mul(b.inputs()[i]).sum(1).addi(1.0);
      squared.addi(deltaSq.muli(inputSqPlusOne));
    }
    return Transforms.sqrt(squared, false);
  }

  /** min(1, C / norm) per example: the factor that scales its gradient to norm at most C. */
  static INDArray clipFactors(INDArray norms, double clipNorm) {
    INDArray f = Transforms.pow(norms.add(TINY), -1.0, false).muli(clipNorm);
    return Transforms.min(f, 1.0, false);
  }

  /**
   * Sum over examples of each example's gradient scaled by {@code factors} [rows]: the clipped
   * gradient sum when factors are {@link #clipFactors}. Same layout as the network's parameters.
   */
  static Gradients scaledSum(Backward b, INDArray factors) {
    int layers = b.deltas().length;
    INDArray[] dw = new INDArray[layers];
    INDArray[] db = new INDArray[layers];
    INDArray column = factors.reshape(factors.length(), 1);
    for (int i = 0; i < layers; i++) {
      INDArray scaled = b.deltas()[i].mulColumnVector(column);
      dw[i] = scaled.transpose().mmul(b.inputs()[i]);
      db[i] = scaled.sum(0);
    }
    return new Gradients(dw, db);
  }

  /**
   * The reference: every example's full gradient as one row of a [rows, parameters] matrix, in
   * the bundle's order (layer 0 weight row-major, layer 0 bias, layer 1 weight, ...), built with
   * batched outer products ({@code delta} repeated along columns times {@code a} tiled).
   */
  static INDArray materialise(Backward b) {
    int layers = b.deltas().length;
    INDArray[] parts = new INDArray[2 * layers];
    for (int i = 0; i < layers; i++) {
      INDArray delta = b.deltas()[i];
      INDArray a = b.inputs()[i];
      long in = a.size(1);
      long out = delta.size(1);
      // Column o*in + j holds delta[:, o] * a[:, j]: W's row-major position (o, j).
      INDArray repeated = delta.repeat(1, in);
      INDArray tiled = Nd4j.tile(a, 1, (int) out);
      parts[2 * i] = repeated.mul(tiled);
      parts[2 * i + 1] = delta.dup();
    }
    return Nd4j.hstack(parts);
  }

  /** Gradients in the network's layout: weight [out, in] and bias [out] per layer. */
  record Gradients(INDArray[] weights, INDArray[] biases) {
    /** All values in bundle order, as one float vector. */
    float[] flatten() {
      int total = 0;
      for (int i = 0; i < weights.length; i++) {
        total += (int) (weights[i].length() + biases[i].length());
      }
      float[] out = new float[total];
      int at = 0;
      for (int i = 0; i < weights.length; i++) {
        for (INDArray a : new INDArray[] {weights[i], biases[i]}) {
          float[] v = MlpClassifier.toFloats(a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
          System.arraycopy(v, 0, out, at, v.length);
          at += v.length;
        }
      }
      return out;
    }

    /** Gradients of {@code net}'s shapes and type from a flat vector in bundle order, times {@code scale}. */
    static Gradients unflatten(float[] flat, Network net, double scale) {
      int layers = net.weights.length;
      INDArray[] dw = new INDArray[layers];
      INDArray[] db = new INDArray[layers];
      int at = 0;
      for (int i = 0; i < layers; i++) {
        int nw = (int) net.weights[i].length();
        dw[i] = Nd4j.create(java.util.Arrays.copyOfRange(flat, at, at + nw), net.weights[i].shape(),
            org.nd4j.linalg.api.buffer.DataType.FLOAT).castTo(net.type).muli(scale);
        at += nw;
        int nb = (int) net.biases[i].length();
        db[i] = Nd4j.create(java.util.Arrays.copyOfRange(flat, at, at + nb), net.biases[i].shape(),
            org.nd4j.linalg.api.buffer.DataType.FLOAT).castTo(net.type).muli(scale);
        at += nb;
      }
      return new Gradients(dw, db);
    }
  }
}
