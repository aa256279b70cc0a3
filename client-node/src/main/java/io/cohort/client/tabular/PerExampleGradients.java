package io.cohort.client.tabular;

import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-example gradients of a DL4J network's loss and their clipped sum for DP-SGD (Abadi et al., "Deep
 * Learning with Differential Privacy", CCS 2016), in DL4J's flattened parameter order.
 *
 * <p>Two paths. The general one, for any layer DP accepts ({@link TabularNetwork#checkPrivate}), runs DL4J's
 * {@code computeGradientAndScore} on a micro-batch of one example per example: exact, and slow in proportion
 * to the batch. The fast path, for networks of dense layers and a dense output layer without dropout
 * ({@link TabularNetwork#denseOnly}, which includes the default MLP), is vectorised over the batch: one
 * forward pass (DL4J's {@code feedForward}), the output delta from the configuration's own loss function, and
 * each hidden delta through the layer's own activation's {@code backprop}. A dense layer's per-example weight
 * gradient is the outer product of its output delta and its input, whose L2 norm is the product of their
 * norms, so each example's squared norm is {@code sum_i |delta_i|^2 (|a_i|^2 + 1)} (Goodfellow 2015, "Efficient
 * per-example gradient computations") and the clipped sum is one matrix product per layer with deltas scaled
 * by their example's factor. Tests hold the fast path to the micro-batch path.
 */
final class PerExampleGradients {
  /** Added to norms before dividing, so an all-zero gradient gets factor 1, not NaN. */
  private static final double TINY = 1e-12;

  private PerExampleGradients() {}

  /** The clipped gradient sum of a batch, flattened in DL4J order, and the batch's summed loss (local only). */
  record ClippedSum(float[] sum, double lossSum) {}

  /** Each example's gradient scaled to L2 norm at most {@code clipNorm}, summed. */
  static ClippedSum clippedSum(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray labels,
      double clipNorm) {
    return clippedSum(model, net, x, labels, clipNorm, null);
  }

  /**
   * As above with each example's loss multiplied by {@code weights[b]} (class weights) before clipping: the
   * weighted gradient is what is clipped, so one example still moves the sum by at most {@code clipNorm}.
   *
   * @param weights one per row of {@code x}, or null for all 1
   */
  static ClippedSum clippedSum(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray labels,
      double clipNorm, double[] weights) {
    return model.denseOnly() ? denseClippedSum(model, net, x, labels, clipNorm, weights)
        : microBatchClippedSum(net, x, labels, clipNorm, weights);
  }

  /**
   * Issue 19 #2, DP-SGD per privacy unit: for each unit in {@code units}, the sum of its rows' gradients (one DL4J
   * backward pass over the unit's rows, whose gradient is the sum over them) scaled to L2 norm at most
   * {@code clipNorm}, summed over the units. So all of a unit's rows together add at most C to a step, however
   * many rows it has.
   */
  static ClippedSum unitClippedSum(MultiLayerNetwork net, EncodedData data, UnitGroups groups, int[] units,
      double clipNorm) {
    return unitMicroBatchClippedSum(net, data, groups, units, clipNorm);
  }

  /** Rows per vectorised chunk of units: bounds the chunk's [rows, rows] Gram matrices. */
  static final int UNIT_CHUNK_ROWS = 512;

  /**
   * {@link #unitClippedSum} for {@link TabularNetwork#denseOnly} networks, vectorised: one forward and backward
   * pass over a chunk of units' rows. A dense layer's gradient over a unit's rows is sum_r delta_r a_r^T (plus
   * sum_r delta_r for the bias), whose squared norm is sum over row pairs (r, s) of the unit of
   * (delta_r . delta_s)(a_r . a_s + 1); so the unit norms come from the chunk's Gram matrices restricted to each
   * unit's block, and the clipped sum is {@link #scaledSum} with every row scaled by its unit's factor.
   */
  static ClippedSum unitClippedSum(TabularNetwork model, MultiLayerNetwork net, EncodedData data, UnitGroups groups,
      int[] units, double clipNorm) {
    if (!model.denseOnly()) {
      return unitMicroBatchClippedSum(net, data, groups, units, clipNorm);
    }
    float[] total = new float[model.parameterCount()];
    double lossSum = 0;
    int from = 0;
    while (from < units.length) {
      int to = from;
      int rows = 0;
      while (to < units.length && (to == from || rows + groups.rows(units[to]).length <= UNIT_CHUNK_ROWS)) {
        rows += groups.rows(units[to]).length;
        to++;
      }
      ClippedSum c = denseUnitChunk(model, net, data, groups, java.util.Arrays.copyOfRange(units, from, to), rows,
          clipNorm);
      for (int k = 0; k < total.length; k++) {
        total[k] += c.sum()[k];
      }
      lossSum += c.lossSum();
      from = to;
    }
    return new ClippedSum(total, lossSum);
  }

  private static ClippedSum denseUnitChunk(TabularNetwork model, MultiLayerNetwork net, EncodedData data,
      UnitGroups groups, int[] units, int rowCount, double clipNorm) {
    DataType type = net.params().dataType();
    int[] rows = new int[rowCount];
    // membership[r][k] = 1 when row r of the chunk belongs to its k-th unit
    INDArray membership = Nd4j.zeros(type, rowCount, units.length);
    int at = 0;
    for (int k = 0; k < units.length; k++) {
      for (int r : groups.rows(units[k])) {
        membership.putScalar(at, k, 1.0);
        rows[at++] = r;
      }
    }
    Backward b = denseBackward(model, net, NetworkBatches.features(data, rows, type),
        NetworkBatches.labels(data, rows, type));
    INDArray pairs = Nd4j.zeros(type, rowCount, rowCount);
    for (int i = 0; i < b.deltas().length; i++) {
      INDArray deltaGram = b.deltas()[i].mmul(b.deltas()[i].transpose());
      INDArray inputGram = b.inputs()[i].mmul(b.inputs()[i].transpose()).addi(1.0);
      pairs.addi(deltaGram.muli(inputGram));
    }
    // Each unit's squared norm: the sum of its block of pairs, i.e. diag(M^T P M).
    INDArray squared = pairs.mmul(membership).muli(membership).sum(0);
    INDArray unitFactors = clipFactors(Transforms.sqrt(Transforms.max(squared, 0.0, false), false), clipNorm);
    INDArray rowFactors = membership.mmul(unitFactors.reshape(units.length, 1)).reshape(rowCount);
    return new ClippedSum(scaledSum(b, rowFactors, model.parameterCount()), b.lossSum());
  }

  /** The general per-unit path: DL4J's backward pass once per unit, over the unit's rows. */
  static ClippedSum unitMicroBatchClippedSum(MultiLayerNetwork net, EncodedData data, UnitGroups groups, int[] units,
      double clipNorm) {
    DataType type = net.params().dataType();
    INDArray sum = Nd4j.zeros(type, net.params().shape());
    double lossSum = 0;
    for (int u : units) {
      int[] rows = groups.rows(u);
      net.setInput(NetworkBatches.features(data, rows, type));
      net.setLabels(NetworkBatches.labels(data, rows, type));
      net.computeGradientAndScore();
      // DL4J's score is the mean loss over the rows; its gradient is their sum (the updater divides).
      lossSum += net.score() * rows.length;
      INDArray g = net.gradient().gradient().dup();
      double factor = Math.min(1.0, clipNorm / (g.norm2Number().doubleValue() + TINY));
      sum.addi(g.muli(factor));
    }
    return new ClippedSum(TabularNetwork.toFloats(sum), lossSum);
  }

  /** The general path: DL4J's backward pass once per example. */
  static ClippedSum microBatchClippedSum(MultiLayerNetwork net, INDArray x, INDArray labels, double clipNorm) {
    return microBatchClippedSum(net, x, labels, clipNorm, null);
  }

  static ClippedSum microBatchClippedSum(MultiLayerNetwork net, INDArray x, INDArray labels, double clipNorm,
      double[] weights) {
    INDArray sum = Nd4j.zeros(net.params().dataType(), net.params().shape());
    double lossSum = 0;
    for (int b = 0; b < x.rows(); b++) {
      INDArray g = exampleGradient(net, x, labels, b);
      double w = weights == null ? 1.0 : weights[b];
      if (w != 1.0) {
        g.muli(w);
      }
      lossSum += net.score() * w;
      double factor = Math.min(1.0, clipNorm / (g.norm2Number().doubleValue() + TINY));
      sum.addi(g.muli(factor));
    }
    return new ClippedSum(TabularNetwork.toFloats(sum), lossSum);
  }

  /** Example {@code b}'s gradient (a copy) by DL4J's forward and backward pass on it alone; sets the net's score. */
  static INDArray exampleGradient(MultiLayerNetwork net, INDArray x, INDArray labels, int b) {
    net.setInput(x.getRow(b, true));
    net.setLabels(labels.getRow(b, true));
    net.computeGradientAndScore();
    return net.gradient().gradient().dup();
  }

  /** Every example's gradient as a row of [rows, parameters], by the micro-batch path: the reference. */
  static INDArray materialise(MultiLayerNetwork net, INDArray x, INDArray labels) {
    INDArray out = Nd4j.create(net.params().dataType(), x.rows(), net.numParams());
    for (int b = 0; b < x.rows(); b++) {
      out.putRow(b, exampleGradient(net, x, labels, b).reshape(net.numParams()));
    }
    return out;
  }

  /** The batch's per-example layer inputs and (unscaled) output deltas, from one vectorised pass. */
  record Backward(double lossSum, INDArray[] inputs, INDArray[] deltas) {}

  /** The fast path's forward and backward pass; see the class comment. Only for {@link TabularNetwork#denseOnly}. */
  static Backward denseBackward(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray labels) {
    int layers = model.layerCount();
    // feedForward's list is the input, then every layer's activations.
    var acts = net.feedForward(x, false);
    INDArray[] inputs = new INDArray[layers];
    INDArray[] pre = new INDArray[layers];
    for (int i = 0; i < layers; i++) {
      inputs[i] = acts.get(i);
      Map<String, INDArray> p = net.getLayer(i).paramTable();
      pre[i] = inputs[i].mmul(p.get("W")).addiRowVector(p.get("b"));
    }
    BaseOutputLayer out = (BaseOutputLayer) model.layer(layers - 1);
    ILossFunction loss = out.getLossFn();
    double lossSum = loss.computeScoreArray(labels, pre[layers - 1].dup(), out.getActivationFn(), null)
        .sumNumber().doubleValue();
    INDArray delta = loss.computeGradient(labels, pre[layers - 1].dup(), out.getActivationFn(), null);
    INDArray[] deltas = new INDArray[layers];
    for (int i = layers - 1; i >= 0; i--) {
      deltas[i] = delta;
      if (i > 0) {
        INDArray epsilon = delta.mmul(net.getLayer(i).getParam("W").transpose());
        delta = ((BaseLayer) model.layer(i - 1)).getActivationFn().backprop(pre[i - 1].dup(), epsilon).getFirst();
      }
    }
    return new Backward(lossSum, inputs, deltas);
  }

  /** Each example's loss under the output layer's loss function, from the layer's input in {@code b}. */
  private static INDArray lossPerExample(TabularNetwork model, MultiLayerNetwork net, Backward b, INDArray labels) {
    int last = model.layerCount() - 1;
    BaseOutputLayer out = (BaseOutputLayer) model.layer(last);
    Map<String, INDArray> p = net.getLayer(last).paramTable();
    INDArray pre = b.inputs()[last].mmul(p.get("W")).addiRowVector(p.get("b"));
    return out.getLossFn().computeScoreArray(labels, pre, out.getActivationFn(), null);
  }

  /** Each example's L2 gradient norm over all parameters, a [rows] vector, without materialising gradients. */
  static INDArray norms(Backward b) {
    INDArray squared = Nd4j.zeros(b.deltas()[0].dataType(), b.inputs()[0].rows());
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
   * Sum over examples of each example's gradient scaled by {@code factors} [rows], flattened in DL4J order: per
   * layer, W as [out, in] row-major (DL4J's column-major [in, out]), then b.
   */
  static float[] scaledSum(Backward b, INDArray factors, int parameters) {
    float[] flat = new float[parameters];
    int at = 0;
    INDArray column = factors.reshape(factors.length(), 1);
    for (int i = 0; i < b.deltas().length; i++) {
      INDArray scaled = b.deltas()[i].mulColumnVector(column);
      for (INDArray part : new INDArray[] {scaled.transpose().mmul(b.inputs()[i]), scaled.sum(0)}) {
        float[] v = TabularNetwork.toFloats(part);
        System.arraycopy(v, 0, flat, at, v.length);
        at += v.length;
      }
    }
    if (at != parameters) {
      throw new IllegalStateException("the dense path covered " + at + " of " + parameters + " parameters");
    }
    return flat;
  }

  private static ClippedSum denseClippedSum(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray labels,
      double clipNorm, double[] weights) {
    Backward b = denseBackward(model, net, x, labels);
    if (weights != null) {
      // Every layer's delta is linear in the output delta, so weighting an example's loss scales all its deltas.
      INDArray w = Nd4j.create(weights, new long[] {weights.length, 1}, b.deltas()[0].dataType());
      INDArray[] deltas = new INDArray[b.deltas().length];
      for (int i = 0; i < deltas.length; i++) {
        deltas[i] = b.deltas()[i].mulColumnVector(w);
      }
      double weightedLoss = 0;
      // The loss sum stays on the node (it is never released); weight it like the gradient for consistency.
      INDArray perExample = lossPerExample(model, net, b, labels);
      for (int r = 0; r < weights.length; r++) {
        weightedLoss += perExample.getDouble(r) * weights[r];
      }
      b = new Backward(weightedLoss, b.inputs(), deltas);
    }
    return new ClippedSum(scaledSum(b, clipFactors(norms(b), clipNorm), model.parameterCount()), b.lossSum());
  }
}
