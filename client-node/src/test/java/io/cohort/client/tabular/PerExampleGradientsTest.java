package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The per-example gradients DP-SGD clips: DL4J's (micro-batch of one) against finite differences, and the
 * vectorised dense path against DL4J's.
 */
class PerExampleGradientsTest {
  private static final long SEED = 0x5eed_d95L;

  /** Two hidden layers (ReLU, tanh) and a 3-class softmax: exercises the activations' own backprop. */
  private static MultiLayerConfiguration deeper(int width, DataType type) {
    return new NeuralNetConfiguration.Builder().dataType(type).list()
        .layer(new DenseLayer.Builder().nIn(width).nOut(6).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.TANH).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
            .activation(Activation.SOFTMAX).build())
        .build();
  }

  @Test
  void dl4jPerExampleGradients_equalFiniteDifferences_inDouble() {
    int width = 4;
    TabularNetwork model = TabularNetwork.of(deeper(width, DataType.DOUBLE), width, 3);
    MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED));
    EncodedData data = Dl4jTestNets.randomData(5, width, 3, SEED + 1);
    INDArray x = Dl4jTestNets.x(data, net);
    INDArray y = Dl4jTestNets.y(data, net);
    INDArray perExample = PerExampleGradients.materialise(net, x, y);
    INDArray params = net.params();
    double h = 1e-6;
    for (int b = 0; b < data.size(); b++) {
      INDArray xb = x.getRow(b, true);
      INDArray yb = y.getRow(b, true);
      double[] analytic = Dl4jTestNets.doubles(perExample.getRow(b));
      for (int k = 0; k < net.numParams(); k++) {
        double original = params.getDouble(k);
        params.putScalar(k, original + h);
        double plus = Dl4jTestNets.lossSum(net, xb, yb);
        params.putScalar(k, original - h);
        double minus = Dl4jTestNets.lossSum(net, xb, yb);
        params.putScalar(k, original);
        double numeric = (plus - minus) / (2 * h);
        // Relative error, except where both are so small that the central difference's rounding (about
        // 1e-16 / h = 1e-10) dominates: there the absolute error must be below 1e-8 (DL4J's own gradient checks).
        double absolute = Math.abs(numeric - analytic[k]);
        double error = absolute < 1e-8 ? 0 : absolute / (Math.abs(numeric) + Math.abs(analytic[k]));
        assertThat(error).as("seed %d example %d parameter %d: analytic %s numeric %s", SEED, b, k, analytic[k],
            numeric).isLessThan(1e-5);
      }
    }
  }

  @Test
  void dl4jBatchGradient_isTheSumOfThePerExampleOnes() {
    TabularNetwork model = MlpClassifier.network(5, List.of(7), 2);
    MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED + 2));
    EncodedData data = Dl4jTestNets.randomData(9, 5, 2, SEED + 3);
    INDArray x = Dl4jTestNets.x(data, net);
    INDArray y = Dl4jTestNets.y(data, net);
    double[] sum = Dl4jTestNets.doubles(PerExampleGradients.materialise(net, x, y).sum(0));
    double[] batch = Dl4jTestNets.doubles(Dl4jTestNets.gradientSum(net, x, y));
    for (int k = 0; k < sum.length; k++) {
      assertThat(batch[k]).as("seed %d parameter %d", SEED, k).isCloseTo(sum[k], within(1e-4));
    }
  }

  @Test
  void densePath_normsAndClippedSum_equalDl4jsMicroBatches() {
    for (var model : List.of(MlpClassifier.network(6, List.of(8), 2), TabularNetwork.of(deeper(6, DataType.FLOAT), 6,
        3))) {
      assertThat(model.denseOnly()).isTrue();
      MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED + 4));
      EncodedData data = Dl4jTestNets.randomData(12, 6, model.numClasses(), SEED + 5);
      INDArray x = Dl4jTestNets.x(data, net);
      INDArray y = Dl4jTestNets.y(data, net);
      INDArray reference = PerExampleGradients.materialise(net, x, y);
      PerExampleGradients.Backward b = PerExampleGradients.denseBackward(model, net, x, y);
      double[] norms = Dl4jTestNets.doubles(PerExampleGradients.norms(b));
      double[] want = Dl4jTestNets.doubles(reference.norm2(1));
      for (int i = 0; i < norms.length; i++) {
        assertThat(norms[i]).as("seed %d example %d", SEED, i).isCloseTo(want[i], within(1e-4 * (1 + want[i])));
      }
      double clip = reference.norm2(1).meanNumber().doubleValue(); // clips some, not all
      float[] fast = PerExampleGradients.clippedSum(model, net, x, y, clip).sum();
      float[] slow = PerExampleGradients.microBatchClippedSum(net, x, y, clip).sum();
      for (int k = 0; k < fast.length; k++) {
        assertThat(fast[k]).as("seed %d parameter %d", SEED, k).isCloseTo(slow[k], within(1e-4f));
      }
    }
  }

  @Test
  void dropout_takesTheMicroBatchPath_andBatchNormalisationIsRefusedUnderDp() {
    MultiLayerConfiguration dropout = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
        .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.RELU).dropOut(0.8).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
            .activation(Activation.SOFTMAX).build())
        .build();
    assertThat(TabularNetwork.of(dropout, 3, 2).denseOnly()).isFalse();
    MultiLayerConfiguration bn = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
        .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.RELU).build())
        .layer(new BatchNormalization.Builder().nOut(4).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
            .activation(Activation.SOFTMAX).build())
        .build();
    assertThatThrownBy(() -> TabularNetwork.of(bn, 3, 2).checkPrivate())
        .hasMessageContaining("layer 1 (BatchNormalization)")
        .hasMessageContaining("differential privacy");
  }
}
