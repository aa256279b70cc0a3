package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.job.Schemas;
import io.cohort.proto.v1.ClassWeight;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Class-weighted cross-entropy (issue 23 #3): each row's loss and gradient scale with its class's weight. */
class ClassWeightsTest {
  @Test
  void weightedBatchGradient_isTheWeightedSumOfRowGradients() {
    long seed = 515;
    SplittableRandom r = new SplittableRandom(seed);
    int rows = 6;
    int width = 3;
    float[] x = new float[rows * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[] labels = {0, 1, 0, 0, 1, 0};
    EncodedData data = new EncodedData(x, width, labels, 2);
    double[] classWeights = {0.6, 3.5};
    TabularNetwork model = MlpClassifier.network(width, List.of(4), 2);
    TensorBundle bundle = model.initialize(seed);
    MultiLayerNetwork net = model.network(bundle);
    DataType type = net.params().dataType();
    int[] all = {0, 1, 2, 3, 4, 5};
    NetworkTraining.BatchGradient g = NetworkTraining.batchGradient(net, data, all, classWeights, type);
    INDArray weighted = g.sum();
    double expectedLoss = 0;

    INDArray expected = Nd4j.zeros(type, weighted.shape());
    for (int i = 0; i < rows; i++) {
      MultiLayerNetwork one = model.network(bundle);
      one.setInput(NetworkBatches.features(data, new int[] {i}, type));
      one.setLabels(NetworkBatches.labels(data, new int[] {i}, type));
      one.computeGradientAndScore();
      expected.addi(one.gradient().gradient().mul(classWeights[labels[i]]));
      expectedLoss += classWeights[labels[i]] * one.score();
    }
    double scale = expected.amaxNumber().doubleValue();
    assertThat(scale).as("seed %d: a non-trivial gradient", seed).isGreaterThan(1e-4);
    assertThat(weighted.sub(expected).amaxNumber().doubleValue() / scale).as("seed %d", seed).isLessThan(1e-5);
    assertThat(g.lossSum()).as("seed %d", seed).isCloseTo(expectedLoss, org.assertj.core.api.Assertions.within(1e-5));
  }

  @Test
  void balancedWeights_followTheNodesOwnClassCounts() {
    TabularSpec spec = TabularSpec.newBuilder().addClasses("a").addClasses("b")
        .setClassWeight(ClassWeight.newBuilder().setBalanced(true)).build();
    // 8 rows, 6 of class 0 and 2 of class 1: 8 / (2 * 6) and 8 / (2 * 2).
    assertThat(Schemas.classWeights(spec, new int[] {0, 0, 1, 0, 0, 1, 0, 0})).containsExactly(8.0 / 12, 2.0);
    assertThat(Schemas.classWeights(TabularSpec.newBuilder().addClasses("a").addClasses("b").build(), new int[] {0}))
        .isNull();
  }

  @Test
  void nonPositiveWeight_isRefusedNamingTheClass() {
    assertThatThrownBy(() -> new TrainingParams(1, 8, 0.01, new double[] {1, 0}))
        .hasMessage("classWeights[1] is 0.0; expected a finite number > 0");
  }
}
