package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Class weights under DP-SGD (issue 23 item 3): each example's loss is weighted before its gradient is clipped. */
class DpClassWeightsTest {
  private static final long SEED = 0x23_0003L;

  @Test
  void weightedClippedSum_isTheSumOfWeightedThenClippedGradients_onBothPaths() {
    TabularNetwork dense = MlpClassifier.network(5, List.of(6), 3);
    TabularNetwork dropout = TabularNetwork.of(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
        .layer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.RELU).dropOut(0.9).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
            .activation(Activation.SOFTMAX).build()).build(), 5, 3);
    for (TabularNetwork model : List.of(dense, dropout)) {
      MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED));
      EncodedData data = Dl4jTestNets.randomData(10, 5, 3, SEED + 1);
      INDArray x = Dl4jTestNets.x(data, net);
      INDArray y = Dl4jTestNets.y(data, net);
      double[] classWeights = {1.0, 3.0, 0.5};
      double[] w = new double[data.size()];
      for (int i = 0; i < w.length; i++) {
        w[i] = classWeights[data.labels()[i]];
      }
      // The reference: each example's gradient (DL4J, alone) times its weight, then clipped to C.
      INDArray g = model.denseOnly() ? PerExampleGradients.materialise(net, x, y) : null;
      double clip = 0.5;
      float[] got = PerExampleGradients.clippedSum(model, net, x, y, clip, w).sum();
      if (g != null) {
        double[] want = new double[got.length];
        for (int b = 0; b < w.length; b++) {
          INDArray row = g.getRow(b).mul(w[b]);
          double factor = Math.min(1.0, clip / (row.norm2Number().doubleValue() + 1e-12));
          double[] v = Dl4jTestNets.doubles(row.mul(factor));
          for (int k = 0; k < want.length; k++) {
            want[k] += v[k];
          }
        }
        for (int k = 0; k < got.length; k++) {
          assertThat((double) got[k]).as("seed %d parameter %d", SEED, k).isCloseTo(want[k], within(1e-4));
        }
        float[] slow = PerExampleGradients.microBatchClippedSum(net, x, y, clip, w).sum();
        for (int k = 0; k < got.length; k++) {
          assertThat(got[k]).as("dense vs micro-batch, seed %d parameter %d", SEED, k).isCloseTo(slow[k],
              within(1e-4f));
        }
      }
      // Sensitivity: no weight lets one example move the sum by more than C.
      for (int b = 0; b < w.length; b++) {
        INDArray one = x.getRow(b, true);
        float[] single = PerExampleGradients.clippedSum(model, net, one, y.getRow(b, true), clip,
            new double[] {w[b]}).sum();
        double norm = 0;
        for (float v : single) {
          norm += (double) v * v;
        }
        assertThat(Math.sqrt(norm)).as("seed %d example %d weight %s", SEED, b, w[b]).isLessThanOrEqualTo(clip + 1e-5);
      }
    }
  }
}
