package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.tabular.MlpClassifier.Network;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

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
    Network ref = Network.fromBundle(start, DataType.FLOAT);
    for (int step = 0; step < 3; step++) {
      Network.Pass pass = ref.lossAndGradients(Nd4j.create(data.features(), new long[] {40, 5}, DataType.FLOAT),
          data.labels());
      for (int i = 0; i < ref.weights.length; i++) {
        ref.weights[i].subi(pass.weightGradients()[i].mul(0.1));
        ref.biases[i].subi(pass.biasGradients()[i].mul(0.1));
      }
    }
    TensorBundle expected = ref.toBundle();
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
}
