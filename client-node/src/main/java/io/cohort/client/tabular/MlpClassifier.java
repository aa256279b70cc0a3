package io.cohort.client.tabular;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The default tabular model, now one DL4J configuration among those a job can bring: dense layers of the
 * hidden widths with ReLU, then a softmax output of one unit per class on cross-entropy ({@link #configuration}).
 * Its parameters are initialised as the hand-written MLP it replaces was ({@link #initialize}), and the static
 * train/evaluate helpers run any bundle of this shape through {@link NetworkTraining}.
 */
public final class MlpClassifier {
  private MlpClassifier() {}

  /** The default MLP as a DL4J configuration (float32); one output (regression) is trained on squared error. */
  public static MultiLayerConfiguration configuration(int inputWidth, List<Integer> hiddenUnits, int numClasses) {
    return configuration(inputWidth, hiddenUnits, numClasses, LossFunctions.LossFunction.MSE);
  }

  /**
   * The default MLP as a DL4J configuration (float32): with 2 or more classes a softmax output on cross-entropy;
   * with {@code numClasses} 1 (a regression job) one linear unit on {@code regressionLoss} (MSE or
   * MEAN_ABSOLUTE_ERROR).
   */
  public static MultiLayerConfiguration configuration(int inputWidth, List<Integer> hiddenUnits, int numClasses,
      LossFunctions.LossFunction regressionLoss) {
    if (inputWidth < 1) {
      throw new IllegalArgumentException("inputWidth is " + inputWidth + "; expected at least 1");
    }
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses is " + numClasses + "; expected at least 2, or 1 for regression");
    }
    var list = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list();
    int in = inputWidth;
    for (int i = 0; i < hiddenUnits.size(); i++) {
      Integer units = hiddenUnits.get(i);
      if (units == null || units < 1) {
        throw new IllegalArgumentException("hiddenUnits[" + i + "] is " + units + "; layer widths must be positive");
      }
      list.layer(new DenseLayer.Builder().nIn(in).nOut(units).activation(Activation.RELU).build());
      in = units;
    }
    if (numClasses == 1) {
      list.layer(new OutputLayer.Builder(regressionLoss).nIn(in).nOut(1).activation(Activation.IDENTITY).build());
    } else {
      list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(in).nOut(numClasses)
          .activation(Activation.SOFTMAX).build());
    }
    return list.build();
  }

  /** The default MLP as a {@link TabularNetwork}. */
  public static TabularNetwork network(int inputWidth, List<Integer> hiddenUnits, int numClasses) {
    return TabularNetwork.defaultMlp(configuration(inputWidth, hiddenUnits, numClasses), inputWidth, numClasses);
  }

  /** The default MLP of a regression job: one linear output on {@code loss} (MSE or MEAN_ABSOLUTE_ERROR). */
  public static TabularNetwork regressionNetwork(int inputWidth, List<Integer> hiddenUnits,
      LossFunctions.LossFunction loss) {
    return TabularNetwork.defaultMlp(configuration(inputWidth, hiddenUnits, 1, loss), inputWidth, 1);
  }

  /** Trainable parameters (every weight and bias) of the MLP for these sizes. */
  public static int parameterCount(int inputWidth, List<Integer> hiddenUnits, int numClasses) {
    int total = 0;
    int in = inputWidth;
    for (int units : hiddenUnits) {
      total = Math.addExact(total, Math.multiplyExact(in + 1, units));
      in = units;
    }
    return Math.addExact(total, Math.multiplyExact(in + 1, numClasses));
  }

  /**
   * Fresh parameters: weights He-uniform, i.e. uniform in ±sqrt(6 / in) (suits ReLU), drawn layer by layer in
   * the wire order ([out, in] row-major) from a {@link SplittableRandom} seeded with {@code seed}; biases zero.
   * The same arguments always give an identical bundle.
   */
  public static TensorBundle initialize(int inputWidth, List<Integer> hiddenUnits, int numClasses, long seed) {
    return network(inputWidth, hiddenUnits, numClasses).initialize(seed);
  }

  /**
   * He-uniform weights (tensors named *.weight, [out, in]; a one-unit layer's [in]) and zero biases for a layout;
   * {@code fanIn} gives each weight's inputs (a 1-D weight's shape does not say whether it is [in] or [out]).
   */
  static TensorBundle heUniform(List<Tensor> layout, long seed, java.util.function.ToIntFunction<Tensor> fanIn) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : layout) {
      float[] v = new float[t.values().length];
      if (t.name().endsWith(".weight")) {
        double bound = Math.sqrt(6.0 / fanIn.applyAsInt(t));
        for (int k = 0; k < v.length; k++) {
          v[k] = (float) random.nextDouble(-bound, bound);
        }
      }
      tensors.add(new Tensor(t.name(), t.shape().clone(), v));
    }
    return new TensorBundle(tensors);
  }

  /**
   * Checks that {@code weights} is a default MLP for {@code inputWidth} features and {@code numClasses} classes
   * and returns its hidden layer widths.
   *
   * @throws IllegalArgumentException naming the first tensor that does not fit, and why
   */
  public static List<Integer> checkLayout(TensorBundle weights, int inputWidth, int numClasses) {
    List<Tensor> tensors = weights.tensors();
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("bundle is empty; expected layers.{i}.weight, layers.{i}.bias for i = 0..L");
    }
    if (tensors.size() % 2 != 0) {
      throw new IllegalArgumentException("bundle has no tensor 'layers." + tensors.size() / 2 + ".bias'; expected"
          + " layers.{i}.weight, layers.{i}.bias for i = 0..L");
    }
    List<Integer> hidden = new ArrayList<>();
    for (int k = 0; k + 2 < tensors.size(); k += 2) {
      long[] shape = tensors.get(k).shape();
      if (shape.length != 2) {
        throw new IllegalArgumentException("tensor '" + tensors.get(k).name() + "' has " + shape.length
            + " dimensions; expected [out, in]");
      }
      hidden.add((int) shape[0]);
    }
    network(inputWidth, hidden, numClasses).checkLayout(weights);
    return List.copyOf(hidden);
  }

  /** The default MLP that {@code weights} is, for {@code data}. */
  static TabularNetwork networkOf(TensorBundle weights, EncodedData data) {
    return network(data.width(), checkLayout(weights, data.width(), data.numClasses()), data.numClasses());
  }

  /** {@link NetworkTraining#train} of the default MLP that {@code start} is. */
  public static TrainResult train(TensorBundle start, EncodedData data, TrainingParams params, long seed) {
    return train(start, data, params, seed, null, 0);
  }

  /** {@link NetworkTraining#train} of the default MLP that {@code start} is, audited when {@code audit} is set. */
  public static TrainResult train(TensorBundle start, EncodedData data, TrainingParams params, long seed,
      JobAudit audit, int round) {
    return NetworkTraining.train(networkOf(start, data), start, data, params, seed, audit, round);
  }

  /** {@link NetworkTraining#evaluate} of the default MLP that {@code weights} is. */
  public static EvaluationStats evaluate(TensorBundle weights, EncodedData data) {
    return NetworkTraining.evaluate(networkOf(weights, data), weights, data);
  }

  /** Values of an array in row-major order, whatever its ordering or view state. */
  static float[] toFloats(org.nd4j.linalg.api.ndarray.INDArray array) {
    return TabularNetwork.toFloats(array);
  }
}
