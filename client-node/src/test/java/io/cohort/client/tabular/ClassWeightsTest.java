package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.job.Schemas;
import io.cohort.client.tabular.MlpClassifier.Network;
import io.cohort.proto.v1.ClassWeight;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Class-weighted cross-entropy (issue 23 #3): each row's loss and gradient scale with its class's weight. */
class ClassWeightsTest {
  @Test
  void weightedBatchGradient_isTheWeightedMeanOfRowGradients() {
    long seed = 515;
    SplittableRandom r = new SplittableRandom(seed);
    int rows = 6;
    int width = 3;
    TensorBundle bundle = MlpClassifier.initialize(width, List.of(4), 2, seed);
    Network net = Network.fromBundle(bundle, DataType.DOUBLE);
    double[] x = new double[rows * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    int[] labels = {0, 1, 0, 0, 1, 0};
    double[] classWeights = {0.6, 3.5};
    Network.Pass weighted = net.lossAndGradients(Nd4j.create(x, new long[] {rows, width}, DataType.DOUBLE), labels,
        classWeights);
    INDArray expected = Nd4j.zeros(DataType.DOUBLE, weighted.weightGradients()[0].shape());
    double expectedLoss = 0;
    for (int i = 0; i < rows; i++) {
      double[] xi = java.util.Arrays.copyOfRange(x, i * width, (i + 1) * width);
      Network.Pass one = net.lossAndGradients(Nd4j.create(xi, new long[] {1, width}, DataType.DOUBLE),
          new int[] {labels[i]});
      expected.addi(one.weightGradients()[0].mul(classWeights[labels[i]] / rows));
      expectedLoss += classWeights[labels[i]] * one.lossSum();
    }
    assertThat(weighted.lossSum()).as("seed %d", seed).isCloseTo(expectedLoss, within(1e-9));
    assertThat(weighted.weightGradients()[0].sub(expected).amaxNumber().doubleValue()).as("seed %d", seed)
        .isLessThan(1e-12);
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
