package io.cohort.client.tabular;

import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A multilayer perceptron classifier on ND4J with hand-written forward and backward passes:
 * fully connected layers of the hidden widths with ReLU, then a linear layer of one logit per
 * class, trained on softmax cross-entropy with Adam.
 *
 * <p>Parameters travel as a {@link TensorBundle} holding, for layer {@code i = 0..L} (L hidden
 * layers, then the output layer), {@code layers.{i}.weight} of shape [out, in] and
 * {@code layers.{i}.bias} of shape [out], in that order; layer i computes
 * {@code x W^T + b}. Every method is a pure function of its arguments: bundles passed in are
 * never changed, and the same arguments give the same result.
 */
public final class MlpClassifier {
  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-8;

  /** Rows per forward pass in {@link #evaluate}, bounding native memory on large datasets. */
  private static final int EVALUATION_CHUNK = 4096;

  private MlpClassifier() {}

  /** Name of the weight tensor of layer {@code layer}. */
  public static String weightName(int layer) {
    return "layers." + layer + ".weight";
  }

  /** Name of the bias tensor of layer {@code layer}. */
  public static String biasName(int layer) {
    return "layers." + layer + ".bias";
  }

  /**
   * Fresh parameters: weights He-uniform, i.e. uniform in ±sqrt(6 / in) (suits ReLU), drawn
   * layer by layer in row-major order from a {@link SplittableRandom} seeded with {@code seed};
   * biases zero. The same arguments always give an identical bundle.
   */
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

  public static TensorBundle initialize(
      int inputWidth, List<Integer> hiddenUnits, int numClasses, long seed) {
    if (inputWidth < 1) {
      throw new IllegalArgumentException("inputWidth is " + inputWidth + "; expected at least 1");
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses is " + numClasses + "; expected at least 2");
    }
    List<Integer> widths = new ArrayList<>();
    widths.add(inputWidth);
    for (int i = 0; i < hiddenUnits.size(); i++) {
      Integer units = hiddenUnits.get(i);
      if (units == null || units < 1) {
        throw new IllegalArgumentException(
            "hiddenUnits[" + i + "] is " + units + "; layer widths must be positive");
      }
      widths.add(units);
    }
    widths.add(numClasses);

    SplittableRandom random = new SplittableRandom(seed);
    List<Tensor> tensors = new ArrayList<>();
    for (int layer = 0; layer + 1 < widths.size(); layer++) {
      int in = widths.get(layer);
      int out = widths.get(layer + 1);
      double bound = Math.sqrt(6.0 / in);
      float[] w = new float[Math.multiplyExact(out, in)];
      for (int k = 0; k < w.length; k++) {
        w[k] = (float) random.nextDouble(-bound, bound);
      }
      tensors.add(new Tensor(weightName(layer), new long[] {out, in}, w));
      tensors.add(new Tensor(biasName(layer), new long[] {out}, new float[out]));
    }
    return new TensorBundle(tensors);
  }

  /**
   * Checks that {@code weights} is a model of this kind for {@code inputWidth} features and
   * {@code numClasses} classes, with finite values, and returns its hidden layer widths.
   *
   * @throws IllegalArgumentException naming the first tensor that does not fit, and why
   */
  public static List<Integer> checkLayout(TensorBundle weights, int inputWidth, int numClasses) {
    List<Tensor> tensors = weights.tensors();
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException(
          "bundle is empty; expected layers.{i}.weight, layers.{i}.bias for i = 0..L");
    }
    for (int k = 0; k < tensors.size(); k++) {
      requireName(tensors.get(k), k, k % 2 == 0 ? weightName(k / 2) : biasName(k / 2));
    }
    if (tensors.size() % 2 != 0) {
      int layer = tensors.size() / 2;
      throw new IllegalArgumentException(
          "bundle has no tensor '" + biasName(layer) + "' after '" + weightName(layer) + "'");
    }
    int layers = tensors.size() / 2;
    List<Integer> hidden = new ArrayList<>();
    long in = inputWidth;
    for (int layer = 0; layer < layers; layer++) {
      Tensor w = tensors.get(2 * layer);
      Tensor b = tensors.get(2 * layer + 1);
      boolean last = layer == layers - 1;
      long[] shape = w.shape();
      if (shape.length != 2 || shape[1] != in || shape[0] < 1
          || (last && shape[0] != numClasses)) {
        String out = last ? Integer.toString(numClasses) : "units";
        String why = layer == 0
            ? "the data has " + inputWidth + " features"
            : "layer " + (layer - 1) + " has " + in + " outputs";
        throw new IllegalArgumentException(
            "tensor '" + w.name() + "' has shape " + Arrays.toString(shape) + "; expected ["
                + out + ", " + in + "] because " + why
                + (last ? " and the data has " + numClasses + " classes" : ""));
      }
      if (b.shape().length != 1 || b.shape()[0] != shape[0]) {
        throw new IllegalArgumentException(
            "tensor '" + b.name() + "' has shape " + Arrays.toString(b.shape()) + "; expected ["
                + shape[0] + "] to match '" + w.name() + "'");
      }
      requireFinite(w);
      requireFinite(b);
      if (!last) {
        hidden.add((int) shape[0]);
      }
      in = shape[0];
    }
    return List.copyOf(hidden);
  }

  /**
   * Trains from {@code start} on {@code data} with mini-batch Adam (beta1 0.9, beta2 0.999,
   * eps 1e-8, state starting from zero on every call), gradients averaged over each batch.
   * Rows are shuffled at the start of every epoch by a {@link SplittableRandom} seeded with
   * {@code seed}; the last batch of an epoch takes the remaining rows.
   *
   * @throws IllegalArgumentException when {@code start} does not fit the data (see
   *     {@link #checkLayout}) or {@code data} has no rows
   * @throws IllegalStateException when the loss becomes NaN or infinite (diverged)
   */
  public static TrainResult train(
      TensorBundle start, EncodedData data, TrainingParams params, long seed) {
    return train(start, data, params, seed, null, 0);
  }

  /**
   * As {@link #train(TensorBundle, EncodedData, TrainingParams, long)}, audited ({@code privacy.audit}
   * on a job without DP): each mini-batch step adds the job's included gradient canaries, each
   * with probability batch / rows (one pass per epoch in expectation, like a row), to the batch's
   * gradient sum, and scores them. Without noise nothing hides them: the audit should find the
   * largest epsilon it can certify.
   *
   * @param audit null for no audit
   */
  public static TrainResult train(
      TensorBundle start, EncodedData data, TrainingParams params, long seed, JobAudit audit, int round) {
    checkLayout(start, data.width(), data.numClasses());
    if (data.size() == 0) {
      throw new IllegalArgumentException("data has no rows; training needs at least 1");
    }
    // Native copies of the parameters: Nd4j.create copies the Java arrays, so the caller's
    // bundle is never written to.
    Network net = Network.fromBundle(start, DataType.FLOAT);
    Adam adam = new Adam(net, params.learningRate());
    SplittableRandom random = new SplittableRandom(seed);
    int n = data.size();
    int width = data.width();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    double epochLoss = Double.NaN;
    GradientCanaries canaries = audit == null ? null
        : audit.forRound(round, (long) params.epochs() * ((n + params.batchSize() - 1) / params.batchSize()));
    for (int epoch = 0; epoch < params.epochs(); epoch++) {
      shuffle(order, random);
      double lossSum = 0;
      for (int from = 0; from < n; from += params.batchSize()) {
        int size = Math.min(params.batchSize(), n - from);
        float[] x = new float[size * width];
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
          int row = order[from + i];
          System.arraycopy(data.features(), row * width, x, i * width, width);
          labels[i] = data.labels()[row];
        }
        Network.Pass pass =
            net.lossAndGradients(
                Nd4j.create(x, new long[] {size, width}, DataType.FLOAT), labels, params.classWeights());
        if (!Double.isFinite(pass.lossSum())) {
          // Stop before NaN weights can reach the coordinator's average.
          throw new IllegalStateException(
              "training diverged: loss is " + pass.lossSum() + " in epoch " + (epoch + 1)
                  + "; lower learningRate (now " + params.learningRate() + ")");
        }
        lossSum += pass.lossSum();
        if (canaries != null) {
          pass = withCanaries(pass, net, canaries, (double) size / n);
        }
        adam.step(pass);
      }
      epochLoss = lossSum / n;
    }
    return new TrainResult(net.toBundle(), epochLoss, n);
  }

  /** The pass with the sampled included canaries added to its gradient sum, after they are scored. */
  private static Network.Pass withCanaries(Network.Pass pass, Network net, GradientCanaries canaries, double rate) {
    float[] flat = new PerExampleGradients.Gradients(pass.weightGradients(), pass.biasGradients()).flatten();
    canaries.beforeNoise(flat, rate);
    canaries.afterNoise(flat); // no noise: the canaries are released as they are
    PerExampleGradients.Gradients g = PerExampleGradients.Gradients.unflatten(flat, net, 1.0);
    return new Network.Pass(pass.lossSum(), g.weights(), g.biases());
  }

  /**
   * Evaluates {@code weights} on every row of {@code data}; see {@link EvaluationStats} for the
   * score (class 1 of a binary task, else the last class one-vs-rest) and the histograms.
   *
   * @throws IllegalArgumentException when {@code weights} does not fit the data
   */
  public static EvaluationStats evaluate(TensorBundle weights, EncodedData data) {
    checkLayout(weights, data.width(), data.numClasses());
    Network net = Network.fromBundle(weights, DataType.FLOAT);
    int bins = PooledEvaluation.DEFAULT_BINS;
    long[] positives = new long[bins];
    long[] negatives = new long[bins];
    int positiveClass = data.numClasses() - 1;
    int classes = data.numClasses();
    int width = data.width();
    double lossSum = 0;
    long correct = 0;
    for (int from = 0; from < data.size(); from += EVALUATION_CHUNK) {
      int size = Math.min(EVALUATION_CHUNK, data.size() - from);
      float[] x = Arrays.copyOfRange(data.features(), from * width, (from + size) * width);
      INDArray logProbs =
          net.logProbabilities(Nd4j.create(x, new long[] {size, width}, DataType.FLOAT));
      float[] lp = toFloats(logProbs);
      for (int i = 0; i < size; i++) {
        int label = data.labels()[from + i];
        int base = i * classes;
        lossSum -= lp[base + label];
        int best = 0;
        for (int c = 1; c < classes; c++) {
          if (lp[base + c] > lp[base + best]) {
            best = c;
          }
        }
        if (best == label) {
          correct++;
        }
        int bin = PooledEvaluation.bin(Math.exp(lp[base + positiveClass]), bins);
        if (label == positiveClass) {
          positives[bin]++;
        } else {
          negatives[bin]++;
        }
      }
    }
    return new EvaluationStats(data.size(), lossSum, correct, positives, negatives);
  }

  /** Values of an array in row-major order, whatever its ordering or view state. */
  static float[] toFloats(INDArray array) {
    // data() of a view or of a transposed ('f') array is the shared buffer in its own order,
    // not this array's elements; a fresh 'c' copy has exactly its elements, row-major.
    float[] values = array.dup('c').data().asFloat();
    if (values.length != array.length()) {
      throw new IllegalStateException(
          "ND4J returned " + values.length + " values for an array of " + array.length());
    }
    return values;
  }

  private static void requireName(Tensor t, int position, String expected) {
    if (!t.name().equals(expected)) {
      throw new IllegalArgumentException(
          "tensor '" + t.name() + "' at position " + position + "; expected '" + expected
              + "' there (layout layers.{i}.weight, layers.{i}.bias for i = 0..L)");
    }
  }

  private static void requireFinite(Tensor t) {
    float[] v = t.values();
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(
            "tensor '" + t.name() + "' holds " + v[i] + " at index " + i
                + "; parameters must be finite");
      }
    }
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  }

  /** The network's parameters as ND4J arrays of one data type, and its passes. */
  static final class Network {
    final INDArray[] weights;
    final INDArray[] biases;
    final DataType type;

    Network(INDArray[] weights, INDArray[] biases) {
      this.weights = weights;
      this.biases = biases;
      this.type = weights[0].dataType();
    }

    static Network fromBundle(TensorBundle bundle, DataType type) {
      int layers = bundle.tensors().size() / 2;
      INDArray[] w = new INDArray[layers];
      INDArray[] b = new INDArray[layers];
      for (int i = 0; i < layers; i++) {
        Tensor wt = bundle.get(weightName(i));
        Tensor bt = bundle.get(biasName(i));
        w[i] = Nd4j.create(wt.values(), wt.shape(), DataType.FLOAT).castTo(type);
        b[i] = Nd4j.create(bt.values(), bt.shape(), DataType.FLOAT).castTo(type);
      }
      return new Network(w, b);
    }

    TensorBundle toBundle() {
      List<Tensor> tensors = new ArrayList<>();
      for (int i = 0; i < weights.length; i++) {
        tensors.add(new Tensor(weightName(i), weights[i].shape().clone(),
            toFloats(weights[i].castTo(DataType.FLOAT))));
        tensors.add(new Tensor(biasName(i), biases[i].shape().clone(),
            toFloats(biases[i].castTo(DataType.FLOAT))));
      }
      return new TensorBundle(tensors);
    }

    /**
     * Row-wise log-softmax of the logits of {@code x} [rows, in]: {@code z - max - log sum
     * exp(z - max)}, which never overflows.
     */
    INDArray logProbabilities(INDArray x) {
      return logSoftmax(forward(x, null, null));
    }

    /** Summed cross-entropy of the rows of {@code x}: the forward pass alone. */
    double lossSum(INDArray x, int[] labels) {
      INDArray logProbs = logProbabilities(x);
      INDArray oneHot = oneHot(labels, (int) weights[weights.length - 1].size(0));
      return -logProbs.mul(oneHot).sumNumber().doubleValue();
    }

    /** Mean-loss gradients of one batch; {@code lossSum} is the summed (not mean) loss. */
    record Pass(double lossSum, INDArray[] weightGradients, INDArray[] biasGradients) {}

    Pass lossAndGradients(INDArray x, int[] labels) {
      return lossAndGradients(x, labels, null);
    }

    /**
     * As {@link #lossAndGradients(INDArray, int[])} with each row's loss multiplied by its class's
     * weight ({@code classWeights} null: all 1), i.e. class-weighted cross-entropy.
     */
    Pass lossAndGradients(INDArray x, int[] labels, double[] classWeights) {
      int layers = weights.length;
      INDArray[] inputs = new INDArray[layers];
      INDArray[] masks = new INDArray[layers];
      INDArray logProbs = logSoftmax(forward(x, inputs, masks));
      INDArray oneHot = oneHot(labels, (int) weights[layers - 1].size(0));
      INDArray rowWeights = null;
      if (classWeights != null) {
        double[] w = new double[labels.length];
        for (int i = 0; i < labels.length; i++) {
          w[i] = classWeights[labels[i]];
        }
        rowWeights = Nd4j.create(w, new long[] {labels.length, 1}, type);
      }
      INDArray rowLoss = logProbs.mul(oneHot);
      double lossSum = -(rowWeights == null ? rowLoss : rowLoss.muliColumnVector(rowWeights)).sumNumber().doubleValue();

      // d(mean loss)/d(logits) = weight * (softmax - onehot) / rows.
      INDArray delta = Transforms.exp(logProbs, true).subi(oneHot).divi(labels.length);
      if (rowWeights != null) {
        delta.muliColumnVector(rowWeights);
      }
      INDArray[] dw = new INDArray[layers];
      INDArray[] db = new INDArray[layers];
      for (int i = layers - 1; i >= 0; i--) {
        dw[i] = delta.transpose().mmul(inputs[i]);
        db[i] = delta.sum(0);
        if (i > 0) {
          // Back through W and the ReLU of the layer below: zero where it was inactive.
          delta = delta.mmul(weights[i]).muli(masks[i - 1]);
        }
      }
      return new Pass(lossSum, dw, db);
    }

    /**
     * Logits of {@code x}; when {@code inputs} and {@code masks} are given, records each
     * layer's input and each hidden layer's ReLU derivative (1 where active, else 0).
     */
    INDArray forward(INDArray x, INDArray[] inputs, INDArray[] masks) {
      INDArray a = x.castTo(type);
      int layers = weights.length;
      for (int i = 0; i < layers; i++) {
        if (inputs != null) {
          inputs[i] = a;
        }
        INDArray z = a.mmul(weights[i].transpose()).addiRowVector(biases[i]);
        if (i == layers - 1) {
          return z;
        }
        INDArray mask = z.gt(0).castTo(type);
        if (masks != null) {
          masks[i] = mask;
        }
        a = z.muli(mask);
      }
      throw new AssertionError("a network has at least one layer");
    }

    static INDArray logSoftmax(INDArray logits) {
      INDArray shifted = logits.subColumnVector(logits.max(true, 1));
      INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
      return shifted.subiColumnVector(logSumExp);
    }

    INDArray oneHot(int[] labels, int classes) {
      double[] values = new double[labels.length * classes];
      for (int i = 0; i < labels.length; i++) {
        values[i * classes + labels[i]] = 1;
      }
      return Nd4j.create(values, new long[] {labels.length, classes}, type);
    }
  }

  /** Adam state for one network, fresh per training call (also DP-SGD's optimiser: post-processing). */
  static final class Adam {
    private final Network net;
    private final double learningRate;
    private final INDArray[] mw;
    private final INDArray[] vw;
    private final INDArray[] mb;
    private final INDArray[] vb;
    private int t;

    Adam(Network net, double learningRate) {
      this.net = net;
      this.learningRate = learningRate;
      int layers = net.weights.length;
      mw = new INDArray[layers];
      vw = new INDArray[layers];
      mb = new INDArray[layers];
      vb = new INDArray[layers];
      for (int i = 0; i < layers; i++) {
        mw[i] = Nd4j.zeros(net.type, net.weights[i].shape());
        vw[i] = Nd4j.zeros(net.type, net.weights[i].shape());
        mb[i] = Nd4j.zeros(net.type, net.biases[i].shape());
        vb[i] = Nd4j.zeros(net.type, net.biases[i].shape());
      }
    }

    void step(Network.Pass pass) {
      t++;
      double correction1 = 1 - Math.pow(BETA1, t);
      double correction2 = 1 - Math.pow(BETA2, t);
      for (int i = 0; i < net.weights.length; i++) {
        update(net.weights[i], pass.weightGradients()[i], mw[i], vw[i], correction1, correction2);
        update(net.biases[i], pass.biasGradients()[i], mb[i], vb[i], correction1, correction2);
      }
    }

    /** p -= lr * m^ / (sqrt(v^) + eps), with m^ and v^ the bias-corrected moments. */
    private void update(
        INDArray p, INDArray g, INDArray m, INDArray v, double correction1, double correction2) {
      m.muli(BETA1).addi(g.mul(1 - BETA1));
      v.muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
      INDArray denominator = Transforms.sqrt(v.div(correction2), false).addi(EPSILON);
      p.subi(m.div(correction1).muli(learningRate).divi(denominator));
    }
  }
}
