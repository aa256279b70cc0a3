package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class TabularDpSgdTest {
  private static final long SEED = 914_027L;

  /** Two Gaussian blobs, label = which blob, seeded. */
  private static EncodedData blobs(int rows, int width, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[rows * width];
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = r.nextInt(2);
      for (int j = 0; j < width; j++) {
        x[i * width + j] = (float) (r.nextGaussian() + (labels[i] == 1 ? 1.0 : -1.0));
      }
    }
    return new EncodedData(x, width, labels, 2);
  }

  @Test
  void withoutNoiseOrClippingOrSampling_itIsFullBatchGradientDescent() {
    EncodedData data = blobs(40, 5, SEED);
    TensorBundle start = MlpClassifier.initialize(5, List.of(6), 2, SEED);
    // q = 1 takes every row, C = 1e9 never clips, sigma = 0 adds nothing: plain gradient descent.
    TrainResult dp = TabularDpSgd.train(start, data,
        new DpSgdParams(3, 1.0, 0.0, 1e9, 0.1, DpSgdParams.Optimizer.SGD), PoissonSampler.reproducibleForTests(SEED), GaussianNoise.create());
    TabularNetwork model = MlpClassifier.network(5, List.of(6), 2);
    MultiLayerNetwork ref = model.network(start);
    for (int step = 0; step < 3; step++) {
      INDArray g = Dl4jTestNets.gradientSum(ref, Dl4jTestNets.x(data, ref), Dl4jTestNets.y(data, ref));
      ref.params().subi(g.reshape(ref.params().shape()).mul(0.1 / 40));
    }
    TensorBundle expected = model.toBundle(TabularNetwork.toFloats(ref.params()));
    for (Tensor t : dp.weights().tensors()) {
      float[] want = expected.get(t.name()).values();
      for (int i = 0; i < want.length; i++) {
        assertThat(t.values()[i]).as("%s[%d], seed %d", t.name(), i, SEED).isCloseTo(want[i], within(1e-5f));
      }
    }
  }

  @Test
  void poissonBatches_areSeeded_soTheSameSeedGivesTheSameModelWithoutNoise() {
    EncodedData data = blobs(60, 4, SEED + 1);
    TensorBundle start = MlpClassifier.initialize(4, List.of(5), 2, SEED);
    DpSgdParams p = new DpSgdParams(20, 0.1, 0.0, 0.5, 0.05, DpSgdParams.Optimizer.ADAM);
    TensorBundle a = TabularDpSgd.train(start, data, p, PoissonSampler.reproducibleForTests(SEED), GaussianNoise.create())
        .weights();
    TensorBundle b = TabularDpSgd.train(start, data, p, PoissonSampler.reproducibleForTests(SEED), GaussianNoise.create())
        .weights();
    TensorBundle c = TabularDpSgd.train(start, data, p, PoissonSampler.reproducibleForTests(SEED + 99),
        GaussianNoise.create()).weights();
    assertThat(a.get("layers.0.weight").values()).as("seed %d", SEED).containsExactly(b.get("layers.0.weight").values());
    assertThat(a.get("layers.0.weight").values()).as("seed %d vs %d", SEED, SEED + 99)
        .isNotEqualTo(c.get("layers.0.weight").values());
  }

  @Test
  void withSecureNoise_itStillLearnsASeparableTask() {
    EncodedData train = blobs(2000, 4, SEED + 2);
    EncodedData test = blobs(500, 4, SEED + 3);
    TensorBundle start = MlpClassifier.initialize(4, List.of(8), 2, SEED);
    // sigma = 1, q = 0.05 (expected batch 100), 200 steps: noisy, but the blobs are far apart.
    TrainResult r = TabularDpSgd.train(start, train,
        new DpSgdParams(200, 0.05, 1.0, 1.0, 0.01, DpSgdParams.Optimizer.ADAM), PoissonSampler.reproducibleForTests(SEED), GaussianNoise.create());
    EvaluationStats s = MlpClassifier.evaluate(r.weights(), test);
    double auc = s.rocAuc();
    assertThat(auc).as("ROC AUC, seed %d", SEED).isGreaterThan(0.85);
  }

  /**
   * One example, q = 1, one SGD step, C above its gradient's norm: the DP step is the plain step plus
   * Gaussian noise of stddev sigma * C on the sum (divided by q n = 1), for the default MLP and a network with
   * dropout (DL4J's micro-batch path; dropout off via retain probability 1 so both steps see the same network).
   */
  @Test
  void oneExample_dpStepIsThePlainStepPlusTheExpectedNoise() {
    EncodedData one = blobs(1, 6, SEED + 4);
    var dropout = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
        .layer(new DenseLayer.Builder().nIn(6).nOut(40).activation(Activation.RELU).dropOut(1.0).build())
        .layer(new DenseLayer.Builder().nIn(40).nOut(20).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(20).nOut(2)
            .activation(Activation.SOFTMAX).build())
        .build();
    for (TabularNetwork model : List.of(MlpClassifier.network(6, List.of(64), 2), TabularNetwork.of(dropout, 6, 2))) {
      TensorBundle start = model.initialize(SEED);
      MultiLayerNetwork ref = model.network(start);
      float[] plainGrad = TabularNetwork.toFloats(
          Dl4jTestNets.gradientSum(ref, Dl4jTestNets.x(one, ref), Dl4jTestNets.y(one, ref)));
      double norm = 0;
      for (float g : plainGrad) {
        norm += g * g;
      }
      double clip = 2 * Math.sqrt(norm) + 1e-3;
      double sigma = 0.7;
      double lr = 0.01;
      TrainResult dp = TabularDpSgd.train(model, start, one, new DpSgdParams(1, 1.0, sigma, clip, lr,
          DpSgdParams.Optimizer.SGD), PoissonSampler.reproducibleForTests(SEED), GaussianNoise.create(), null, 0);
      float[] before = TabularNetwork.flatten(start);
      float[] after = TabularNetwork.flatten(dp.weights());
      // after = before - lr (g + noise): recover the noise and check its moments.
      double sum = 0;
      double sumSq = 0;
      for (int k = 0; k < after.length; k++) {
        double noise = (before[k] - after[k]) / lr - plainGrad[k];
        sum += noise;
        sumSq += noise * noise;
      }
      int n = after.length;
      double mean = sum / n;
      double sd = Math.sqrt(sumSq / n - mean * mean);
      assertThat(n).isGreaterThan(500);
      assertThat(sd).as("seed %d, %d parameters", SEED, n).isCloseTo(sigma * clip, within(0.1 * sigma * clip));
      assertThat(mean).as("seed %d", SEED).isCloseTo(0, within(5 * sigma * clip / Math.sqrt(n)));
    }
  }
}
