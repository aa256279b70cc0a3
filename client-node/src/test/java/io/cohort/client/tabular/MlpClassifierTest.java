package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MlpClassifierTest {

  /** Random rows of standard-normal-ish features with random labels. */
  private static EncodedData randomData(int rows, int width, int classes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble(-2, 2);
    }
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = random.nextInt(classes);
    }
    return new EncodedData(x, width, labels, classes);
  }

  /** The bundle with every value replaced by a random one (biases no longer zero). */
  private static TensorBundle randomize(TensorBundle bundle, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : bundle.tensors()) {
      float[] v = new float[t.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextDouble(-1, 1);
      }
      tensors.add(new Tensor(t.name(), t.shape(), v));
    }
    return new TensorBundle(tensors);
  }

  private static TensorBundle deepCopy(TensorBundle bundle) {
    return new TensorBundle(bundle.tensors().stream().map(Tensor::copy).toList());
  }

  private static double get(INDArray a, long[] index) {
    return a.getDouble(index);
  }

  /** Every index of an array of rank 1 or 2. */
  private static List<long[]> indices(INDArray a) {
    List<long[]> all = new ArrayList<>();
    if (a.rank() == 1) {
      for (long i = 0; i < a.size(0); i++) {
        all.add(new long[] {i});
      }
    } else {
      for (long i = 0; i < a.size(0); i++) {
        for (long j = 0; j < a.size(1); j++) {
          all.add(new long[] {i, j});
        }
      }
    }
    return all;
  }

  // --- gradient check: DL4J's backward pass of the default configuration ---

  @Test
  void gradients_matchFiniteDifferences_inDouble() {
    long seed = 20240611L;
    for (List<Integer> hidden : List.of(List.of(5, 3), List.<Integer>of(), List.of(6))) {
      int width = 4;
      int classes = hidden.size() == 1 ? 2 : 3;
      int rows = 7;
      TabularNetwork model = TabularNetwork.of(
          Dl4jTestNets.inDouble(MlpClassifier.configuration(width, hidden, classes)), width, classes);
      TensorBundle bundle = randomize(MlpClassifier.initialize(width, hidden, classes, seed), seed + 1);
      EncodedData data = randomData(rows, width, classes, seed + 2);
      org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = model.network(bundle);
      INDArray x = Dl4jTestNets.x(data, net);
      INDArray y = Dl4jTestNets.y(data, net);
      double[] analytic = Dl4jTestNets.doubles(Dl4jTestNets.gradientSum(net, x, y));
      INDArray params = net.params();
      double h = 1e-6;
      for (int k = 0; k < analytic.length; k++) {
        double original = params.getDouble(k);
        params.putScalar(k, original + h);
        double plus = Dl4jTestNets.lossSum(net, x, y);
        params.putScalar(k, original - h);
        double minus = Dl4jTestNets.lossSum(net, x, y);
        params.putScalar(k, original);
        double numeric = (plus - minus) / (2 * h);
        double error = Math.abs(numeric - analytic[k]) / Math.max(1e-5, Math.abs(numeric) + Math.abs(analytic[k]));
        assertThat(error).as("seed %d hidden %s parameter %d: analytic %s numeric %s", seed, hidden, k,
            analytic[k], numeric).isLessThan(1e-5);
      }
    }
  }

  @Test
  void evaluate_matchesPlainJavaForwardPass() {
    long seed = 99;
    int width = 5;
    TensorBundle bundle =
        randomize(MlpClassifier.initialize(width, List.of(6, 4), 2, seed), seed + 1);
    EncodedData data = randomData(50, width, 2, seed + 2);

    EvaluationStats stats = MlpClassifier.evaluate(bundle, data);

    double lossSum = 0;
    long correct = 0;
    long[] pos = new long[PooledEvaluation.DEFAULT_BINS];
    long[] neg = new long[PooledEvaluation.DEFAULT_BINS];
    for (int r = 0; r < data.size(); r++) {
      double[] a = new double[width];
      for (int j = 0; j < width; j++) {
        a[j] = data.feature(r, j);
      }
      int layers = bundle.tensors().size() / 2;
      for (int l = 0; l < layers; l++) {
        Tensor w = bundle.get("layers." + l + ".weight");
        Tensor b = bundle.get("layers." + l + ".bias");
        int out = (int) w.shape()[0];
        int in = (int) w.shape()[1];
        double[] z = new double[out];
        for (int o = 0; o < out; o++) {
          z[o] = b.values()[o];
          for (int i = 0; i < in; i++) {
            z[o] += w.values()[o * in + i] * a[i];
          }
          if (l < layers - 1) {
            z[o] = Math.max(0, z[o]);
          }
        }
        a = z;
      }
      double max = Math.max(a[0], a[1]);
      double lse = max + Math.log(Math.exp(a[0] - max) + Math.exp(a[1] - max));
      int label = data.labels()[r];
      lossSum += lse - a[label];
      if ((a[1] > a[0] ? 1 : 0) == label) {
        correct++;
      }
      int bin = PooledEvaluation.bin(Math.exp(a[1] - lse), PooledEvaluation.DEFAULT_BINS);
      (label == 1 ? pos : neg)[bin]++;
    }
    assertThat(stats.numExamples()).isEqualTo(50);
    assertThat(stats.lossSum()).as("seed %d", seed).isCloseTo(lossSum, within(1e-4 * lossSum));
    assertThat(stats.numCorrect()).as("seed %d", seed).isEqualTo(correct);
    // Float vs double may move a score across a bin edge; the totals must agree exactly.
    assertThat(Arrays.stream(stats.positiveScoreHistogram()).sum())
        .isEqualTo(Arrays.stream(pos).sum());
    assertThat(stats.rocAuc())
        .isCloseTo(PooledEvaluation.rocAuc(pos, neg), within(0.01));
  }

  // --- initialisation ---

  @Test
  void initialize_sameSeedSameBundle_layoutAndHeBounds() {
    TensorBundle a = MlpClassifier.initialize(10, List.of(8, 4), 3, 5);
    TensorBundle b = MlpClassifier.initialize(10, List.of(8, 4), 3, 5);
    TensorBundle c = MlpClassifier.initialize(10, List.of(8, 4), 3, 6);

    assertThat(a.tensors()).isEqualTo(b.tensors());
    assertThat(a.sha256()).isEqualTo(b.sha256());
    assertThat(c.sha256()).isNotEqualTo(a.sha256());
    assertThat(a.names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight",
        "layers.1.bias", "layers.2.weight", "layers.2.bias");
    assertThat(a.get("layers.0.weight").shape()).containsExactly(8, 10);
    assertThat(a.get("layers.1.weight").shape()).containsExactly(4, 8);
    assertThat(a.get("layers.2.weight").shape()).containsExactly(3, 4);
    assertThat(a.get("layers.2.bias").shape()).containsExactly(3);
    assertThat(a.get("layers.1.bias").values()).containsOnly(0f);
    float bound = (float) Math.sqrt(6.0 / 10);
    for (float v : a.get("layers.0.weight").values()) {
      assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
    }
    assertThat(MlpClassifier.checkLayout(a, 10, 3)).containsExactly(8, 4);
  }

  @Test
  void initialize_invalidSizes_rejected() {
    assertThatThrownBy(() -> MlpClassifier.initialize(0, List.of(), 2, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputWidth");
    assertThatThrownBy(() -> MlpClassifier.initialize(3, List.of(), 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numClasses"); // 1 is regression
    assertThatThrownBy(() -> MlpClassifier.initialize(3, List.of(4, -1), 2, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hiddenUnits[1]");
  }

  // --- training ---

  @Test
  void train_doesNotMutateStart_andIsDeterministic() {
    long seed = 1234;
    EncodedData data = randomData(40, 6, 2, seed);
    TensorBundle start = MlpClassifier.initialize(6, List.of(5), 2, seed);
    TensorBundle before = deepCopy(start);
    TrainingParams params = new TrainingParams(3, 8, 0.01);

    TrainResult first = MlpClassifier.train(start, data, params, seed);
    TrainResult second = MlpClassifier.train(start, data, params, seed);

    assertThat(start.tensors()).as("seed %d", seed).isEqualTo(before.tensors());
    assertThat(first.weights().sameLayout(start)).isTrue();
    assertThat(first.weights().tensors()).as("seed %d", seed).isNotEqualTo(start.tensors());
    assertThat(second.weights().tensors()).as("seed %d", seed)
        .isEqualTo(first.weights().tensors());
    assertThat(first.examples()).isEqualTo(40);
    assertThat(first.meanTrainLoss()).isFinite().isPositive();
  }

  @Test
  void train_stepsAreAdam_withBiasCorrection() {
    // One row, batch 1: each epoch is exactly one Adam step on that row, in a known order.
    long seed = 77;
    EncodedData data = randomData(1, 3, 2, seed);
    TensorBundle start = randomize(MlpClassifier.initialize(3, List.of(4), 2, seed), seed);
    double lr = 0.01;
    int steps = 3;

    TrainResult result =
        MlpClassifier.train(start, data, new TrainingParams(steps, 1, lr), seed);

    // Reference: plain-Java Adam fed with the network's own gradients.
    List<Tensor> names = start.tensors();
    double[][] p = new double[names.size()][];
    double[][] m = new double[names.size()][];
    double[][] v = new double[names.size()][];
    for (int k = 0; k < names.size(); k++) {
      float[] values = names.get(k).values();
      p[k] = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        p[k][i] = values[i];
      }
      m[k] = new double[values.length];
      v[k] = new double[values.length];
    }
    INDArray x = Nd4j.create(data.features().clone(), new long[] {1, 3}, DataType.FLOAT);
    for (int t = 1; t <= steps; t++) {
      List<Tensor> current = new ArrayList<>();
      for (int k = 0; k < names.size(); k++) {
        float[] f = new float[p[k].length];
        for (int i = 0; i < f.length; i++) {
          f[i] = (float) p[k][i];
        }
        current.add(new Tensor(names.get(k).name(), names.get(k).shape(), f));
      }
      TensorBundle currentBundle = new TensorBundle(current);
      TabularNetwork model = MlpClassifier.network(3, List.of(4), 2);
      org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = model.network(currentBundle);
      TensorBundle gradients = model.toBundle(TabularNetwork.toFloats(
          Dl4jTestNets.gradientSum(net, x, Dl4jTestNets.y(data, net))));
      for (int k = 0; k < names.size(); k++) {
        float[] grad = gradients.tensors().get(k).values();
        for (int i = 0; i < grad.length; i++) {
          m[k][i] = 0.9 * m[k][i] + 0.1 * grad[i];
          v[k][i] = 0.999 * v[k][i] + 0.001 * grad[i] * grad[i];
          double mHat = m[k][i] / (1 - Math.pow(0.9, t));
          double vHat = v[k][i] / (1 - Math.pow(0.999, t));
          p[k][i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
        }
      }
    }
    for (int k = 0; k < names.size(); k++) {
      float[] got = result.weights().tensors().get(k).values();
      for (int i = 0; i < got.length; i++) {
        assertThat((double) got[i]).as("seed %d %s[%d]", seed, names.get(k).name(), i)
            .isCloseTo(p[k][i], within(1e-5));
      }
    }
  }

  @Test
  void train_wrongLayout_rejectedNamingTensor() {
    EncodedData data = randomData(10, 6, 2, 1);
    TrainingParams params = new TrainingParams(1, 4, 0.01);

    assertThatThrownBy(() ->
            MlpClassifier.train(MlpClassifier.initialize(5, List.of(4), 2, 1), data, params, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'layers.0.weight' has shape [4, 5]")
        .hasMessageContaining("6 features");
    assertThatThrownBy(() ->
            MlpClassifier.train(MlpClassifier.initialize(6, List.of(4), 3, 1), data, params, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'layers.1.weight' has shape [3, 4]")
        .hasMessageContaining("2 classes");

    TensorBundle good = MlpClassifier.initialize(6, List.of(4), 2, 1);
    List<Tensor> noBias = new ArrayList<>(good.tensors());
    noBias.remove(3);
    assertThatThrownBy(() -> MlpClassifier.train(new TensorBundle(noBias), data, params, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layers.1.bias");
    List<Tensor> badBias = new ArrayList<>(good.tensors());
    badBias.set(1, new Tensor("layers.0.bias", new long[] {5}, new float[5]));
    assertThatThrownBy(() -> MlpClassifier.train(new TensorBundle(badBias), data, params, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'layers.0.bias' has shape [5]");
    List<Tensor> renamed = new ArrayList<>(good.tensors());
    renamed.set(0, new Tensor("fc.weight", new long[] {4, 6}, new float[24]));
    assertThatThrownBy(() -> MlpClassifier.train(new TensorBundle(renamed), data, params, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'fc.weight'")
        .hasMessageContaining("expected 'layers.0.weight'");
    List<Tensor> nan = new ArrayList<>(good.tensors());
    nan.set(1, new Tensor("layers.0.bias", new long[] {4}, new float[] {0, Float.NaN, 0, 0}));
    assertThatThrownBy(() -> MlpClassifier.train(new TensorBundle(nan), data, params, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'layers.0.bias' holds NaN at index 1");
  }

  @Test
  void train_diverging_failsInsteadOfReturningNaN() {
    long seed = 5;
    EncodedData data = randomData(20, 4, 2, seed);
    TensorBundle start = MlpClassifier.initialize(4, List.of(3), 2, seed);

    assertThatThrownBy(() ->
            MlpClassifier.train(start, data, new TrainingParams(2, 4, 1e38), seed))
        .as("seed %d", seed)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("diverged")
        .hasMessageContaining("learningRate");
  }

  @Test
  void trainingParams_nonPositive_rejected() {
    assertThatThrownBy(() -> new TrainingParams(0, 1, 0.1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epochs");
    assertThatThrownBy(() -> new TrainingParams(1, 0, 0.1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
    assertThatThrownBy(() -> new TrainingParams(1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("learningRate");
    assertThatThrownBy(() -> new TrainingParams(1, 1, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("learningRate");
  }

  // --- evaluation ---

  @Test
  void evaluate_histogramsSumToExampleCountsPerClass_binary() {
    long seed = 31;
    EncodedData data = randomData(123, 4, 2, seed);
    TensorBundle weights = MlpClassifier.initialize(4, List.of(3), 2, seed);

    EvaluationStats stats = MlpClassifier.evaluate(weights, data);

    long positives = Arrays.stream(data.labels()).filter(l -> l == 1).count();
    assertThat(stats.positiveScoreHistogram()).hasSize(PooledEvaluation.DEFAULT_BINS);
    assertThat(Arrays.stream(stats.positiveScoreHistogram()).sum()).as("seed %d", seed)
        .isEqualTo(positives);
    assertThat(Arrays.stream(stats.negativeScoreHistogram()).sum()).as("seed %d", seed)
        .isEqualTo(123 - positives);
    assertThat(stats.numExamples()).isEqualTo(123);
    assertThat(stats.numCorrect()).isBetween(0L, 123L);
    assertThat(stats.meanLoss()).isFinite().isPositive();
    assertThat(stats.accuracy()).isEqualTo(stats.numCorrect() / 123.0);
    assertThat(stats.toProto().getPositiveScoreHistogramCount())
        .isEqualTo(PooledEvaluation.DEFAULT_BINS);
  }

  @Test
  void evaluate_multiClass_scoresLastClassOneVsRest() {
    long seed = 32;
    EncodedData data = randomData(90, 4, 3, seed);
    TensorBundle weights = MlpClassifier.initialize(4, List.of(3), 3, seed);

    EvaluationStats stats = MlpClassifier.evaluate(weights, data);

    long last = Arrays.stream(data.labels()).filter(l -> l == 2).count();
    assertThat(Arrays.stream(stats.positiveScoreHistogram()).sum()).as("seed %d", seed)
        .isEqualTo(last);
    assertThat(Arrays.stream(stats.negativeScoreHistogram()).sum()).as("seed %d", seed)
        .isEqualTo(90 - last);
  }

  @Test
  void evaluate_noRows_givesEmptyStats() {
    EncodedData empty = new EncodedData(new float[0], 4, new int[0], 2);

    EvaluationStats stats = MlpClassifier.evaluate(
        MlpClassifier.initialize(4, List.of(), 2, 1), empty);

    assertThat(stats.numExamples()).isZero();
    assertThat(stats.meanLoss()).isNaN();
    assertThat(stats.rocAuc()).isNaN();
  }
}
