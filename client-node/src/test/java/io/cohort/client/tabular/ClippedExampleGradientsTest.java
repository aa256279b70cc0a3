package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.Test;

/** Distributed DP's per-unit clipped gradients: the dense fast path equals DL4J's per-example pass, norms <= C. */
class ClippedExampleGradientsTest {
  private static final long SEED = 0x19d1L;

  @Test
  void densePath_equalsDl4jsPerExamplePass_andEveryVectorIsClipped() {
    TabularNetwork model = MlpClassifier.network(6, List.of(8), 2);
    MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED));
    EncodedData data = Dl4jTestNets.randomData(12, 6, model.numClasses(), SEED + 1);
    INDArray x = Dl4jTestNets.x(data, net);
    INDArray y = Dl4jTestNets.y(data, net);
    double clip = PerExampleGradients.materialise(net, x, y).norm2(1).meanNumber().doubleValue(); // clips some
    List<float[]> fast = ClippedExampleGradients.dense(model, net, x, y, clip);
    List<float[]> slow = ClippedExampleGradients.microBatches(model, net, x, y, clip);
    assertThat(fast).hasSize(12);
    for (int e = 0; e < fast.size(); e++) {
      double norm = 0;
      for (int k = 0; k < fast.get(e).length; k++) {
        assertThat(fast.get(e)[k]).as("seed %d example %d parameter %d", SEED, e, k)
            .isCloseTo(slow.get(e)[k], within(1e-4f));
        norm += fast.get(e)[k] * (double) fast.get(e)[k];
      }
      assertThat(Math.sqrt(norm)).as("seed %d example %d", SEED, e).isLessThanOrEqualTo(clip * (1 + 1e-5));
    }
  }
}
