package io.cohort.client.tabular;

import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Distributed DP-SGD's input from a tabular node (issue 19 #1, #2): one clipped gradient per sampled
 * privacy unit, each of L2 norm at most C, as a flat vector in the tensor order of the global model
 * (the order the coordinator decodes into), at the global parameters. A unit is a record, or under
 * {@code privacy.unit} a person: then the vector is the sum of the gradients of all the person's rows,
 * clipped once, so all of a person's rows together contribute at most C (as local mode's
 * {@link PerExampleGradients#unitClippedSum}). The vectors are handed one by one to the distributed
 * encoder, which rounds each unit separately.
 */
public final class ClippedExampleGradients {
  private static final double TINY = 1e-12;

  private ClippedExampleGradients() {}

  /**
   * One distributed DP-SGD step's draw: Poisson-samples the units at rate {@code q} with {@code sampler} (rows, or
   * the persons of {@code units} when it is not null, so q is over persons) and returns each sampled unit's
   * clipped gradient.
   *
   * @param units the training rows grouped by privacy unit, or null for record-level privacy
   */
  public static List<float[]> ofSample(TabularNetwork model, TensorBundle global, EncodedData data, UnitGroups units,
      PoissonSampler sampler, double q, double clipNorm) {
    if (units == null) {
      return of(model, global, data, sampler.sample(data.size(), q), clipNorm);
    }
    return ofUnits(model, global, data, units, sampler.sample(units.count(), q), clipNorm);
  }

  /**
   * The clipped gradients of {@code rows} of {@code data} at {@code global}, each row its own unit.
   *
   * @throws IllegalArgumentException when the model does not fit the data or has a layer that DP cannot clip
   */
  public static List<float[]> of(TabularNetwork model, TensorBundle global, EncodedData data, int[] rows,
      double clipNorm) {
    int[][] groups = new int[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      groups[i] = new int[] {rows[i]};
    }
    return ofGroups(model, global, data, groups, clipNorm);
  }

  /**
   * The clipped gradients of the units {@code sampled} (indices into {@code units}) at {@code global}: per unit, the
   * sum of its rows' gradients scaled to norm at most {@code clipNorm}.
   *
   * @throws IllegalArgumentException when the model does not fit the data or has a layer that DP cannot clip
   */
  public static List<float[]> ofUnits(TabularNetwork model, TensorBundle global, EncodedData data, UnitGroups units,
      int[] sampled, double clipNorm) {
    int[][] groups = new int[sampled.length][];
    for (int i = 0; i < sampled.length; i++) {
      groups[i] = units.rows(sampled[i]);
    }
    return ofGroups(model, global, data, groups, clipNorm);
  }

  /** One clipped vector per group of rows of {@code data}: the group's summed gradient, clipped. */
  private static List<float[]> ofGroups(TabularNetwork model, TensorBundle global, EncodedData data, int[][] groups,
      double clipNorm) {
    model.checkPrivate();
    NetworkTraining.requireFits(model, data);
    MultiLayerNetwork net = model.network(global);
    DataType type = net.params().dataType();
    if (groups.length == 0) {
      return new ArrayList<>();
    }
    int total = 0;
    for (int[] g : groups) {
      total += g.length;
    }
    // The groups' rows one after another; positions[u] are unit u's rows' positions in x.
    int[] rows = new int[total];
    int[][] positions = new int[groups.length][];
    int at = 0;
    for (int u = 0; u < groups.length; u++) {
      positions[u] = new int[groups[u].length];
      for (int k = 0; k < groups[u].length; k++) {
        positions[u][k] = at;
        rows[at++] = groups[u][k];
      }
    }
    INDArray x = NetworkBatches.features(data, rows, type);
    INDArray y = NetworkBatches.labels(data, rows, type);
    return model.denseOnly() ? dense(model, net, x, y, positions, clipNorm)
        : microBatches(model, net, x, y, positions, clipNorm);
  }

  /** {@link #dense(TabularNetwork, MultiLayerNetwork, INDArray, INDArray, int[][], double)}, every row its own unit. */
  static List<float[]> dense(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray y, double clipNorm) {
    return dense(model, net, x, y, singletons(x.rows()), clipNorm);
  }

  /**
   * The DP-SGD fast path's single vectorised pass over all the units' rows; a unit's gradient is then the sum of
   * its rows' outer products of deltas and layer inputs, clipped by its own norm.
   *
   * @param units each unit's rows, as positions in {@code x}
   */
  static List<float[]> dense(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray y, int[][] units,
      double clipNorm) {
    PerExampleGradients.Backward all = PerExampleGradients.denseBackward(model, net, x, y);
    int layers = all.deltas().length;
    // Plain Java from here: per row the work is one outer product per layer, far below the cost
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
    List<float[]> out = new ArrayList<>(units.length);
    for (int[] unit : units) {
      // DL4J's flat order (as PerExampleGradients.scaledSum): per layer W as [out, in] row-major, then b.
      float[] g = new float[parameters];
      for (int b : unit) {
        int at = 0;
        for (int l = 0; l < layers; l++) {
          int in = ins[l];
          int o = outs[l];
          for (int k = 0; k < o; k++) {
            float d = deltas[l][b * o + k];
            for (int i = 0; i < in; i++) {
              g[at + k * in + i] += d * inputs[l][b * in + i];
            }
          }
          at += o * in;
          for (int k = 0; k < o; k++) {
            g[at + k] += deltas[l][b * o + k];
          }
          at += o;
        }
        if (at != parameters) {
          throw new IllegalStateException("the dense path covered " + at + " of " + parameters + " parameters");
        }
      }
      clipToNorm(g, clipNorm);
      out.add(inTensorOrder(model.toBundle(g)));
    }
    return out;
  }

  /** {@link #microBatches(TabularNetwork, MultiLayerNetwork, INDArray, INDArray, int[][], double)}, per row. */
  static List<float[]> microBatches(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray y,
      double clipNorm) {
    return microBatches(model, net, x, y, singletons(x.rows()), clipNorm);
  }

  /**
   * The general path: DL4J's backward pass once per unit over the unit's rows (DL4J's minibatch gradient is the sum
   * over the rows, as {@link PerExampleGradients#unitMicroBatchClippedSum} relies on).
   */
  static List<float[]> microBatches(TabularNetwork model, MultiLayerNetwork net, INDArray x, INDArray y,
      int[][] units, double clipNorm) {
    List<float[]> out = new ArrayList<>(units.length);
    for (int[] unit : units) {
      net.setInput(x.getRows(unit).reshape(unit.length, x.columns()));
      net.setLabels(y.getRows(unit).reshape(unit.length, y.columns()));
      net.computeGradientAndScore();
      INDArray g = net.gradient().gradient().dup();
      double factor = Math.min(1.0, clipNorm / (g.norm2Number().doubleValue() + TINY));
      out.add(inTensorOrder(model.toBundle(TabularNetwork.toFloats(g.muli(factor)))));
    }
    return out;
  }

  /** Scales {@code g} in place to L2 norm at most {@code clipNorm}; returns it. */
  public static float[] clipToNorm(float[] g, double clipNorm) {
    double squared = 0;
    for (float v : g) {
      squared += (double) v * v;
    }
    double factor = Math.min(1.0, clipNorm / (Math.sqrt(squared) + TINY));
    if (factor < 1.0) {
      for (int k = 0; k < g.length; k++) {
        g[k] = (float) (g[k] * factor);
      }
    }
    return g;
  }

  private static int[][] singletons(int n) {
    int[][] units = new int[n][];
    for (int b = 0; b < n; b++) {
      units[b] = new int[] {b};
    }
    return units;
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
