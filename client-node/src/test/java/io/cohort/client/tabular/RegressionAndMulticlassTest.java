package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.TensorBundle;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Regression (MSE, MAE) and multi-class outputs (issue 24): their per-example gradients, which DP-SGD clips,
 * against finite differences and the vectorised path against DL4J's micro-batches; their evaluation statistics
 * against the metrics computed directly from the predictions; and training that learns.
 */
class RegressionAndMulticlassTest {
  private static final long SEED = 0x24_5eedL;

  /** Two hidden layers (ReLU, tanh), then one linear unit on {@code loss}. */
  private static MultiLayerConfiguration regression(int width, LossFunction loss, DataType type) {
    return new NeuralNetConfiguration.Builder().dataType(type).list()
        .layer(new DenseLayer.Builder().nIn(width).nOut(4).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build())
        .layer(new OutputLayer.Builder(loss).nIn(3).nOut(1).activation(Activation.IDENTITY).build())
        .build();
  }

  @Test
  void regressionPerExampleGradients_equalFiniteDifferences_forMseAndMae() {
    for (LossFunction loss : List.of(LossFunction.MSE, LossFunction.MEAN_ABSOLUTE_ERROR)) {
      int width = 4;
      TabularNetwork model = TabularNetwork.of(regression(width, loss, DataType.DOUBLE), width, 1);
      MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED));
      EncodedData data = Dl4jTestNets.randomRegressionData(3, width, SEED + 1);
      assertFiniteDifferences(net, data, loss + " seed " + SEED);
    }
  }

  @Test
  void multiclassPerExampleGradients_ofTheDefaultMlp_equalFiniteDifferences() {
    TabularNetwork model = TabularNetwork.of(
        Dl4jTestNets.inDouble(MlpClassifier.configuration(4, List.of(5), 4)), 4, 4);
    MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED + 2));
    assertFiniteDifferences(net, Dl4jTestNets.randomData(4, 4, 4, SEED + 3), "4 classes seed " + SEED);
  }

  @Test
  void densePath_equalsDl4jsMicroBatches_forRegressionAndFourClasses() {
    for (TabularNetwork model : List.of(
        MlpClassifier.regressionNetwork(6, List.of(8), LossFunction.MSE),
        MlpClassifier.regressionNetwork(6, List.of(8, 5), LossFunction.MEAN_ABSOLUTE_ERROR),
        MlpClassifier.network(6, List.of(8), 4))) {
      assertThat(model.denseOnly()).isTrue();
      MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED + 4));
      EncodedData data = model.regression() ? Dl4jTestNets.randomRegressionData(12, 6, SEED + 5)
          : Dl4jTestNets.randomData(12, 6, 4, SEED + 5);
      INDArray x = Dl4jTestNets.x(data, net);
      INDArray y = Dl4jTestNets.y(data, net);
      INDArray reference = PerExampleGradients.materialise(net, x, y);
      double clip = reference.norm2(1).meanNumber().doubleValue(); // clips some, not all
      PerExampleGradients.ClippedSum fast = PerExampleGradients.clippedSum(model, net, x, y, clip);
      PerExampleGradients.ClippedSum slow = PerExampleGradients.microBatchClippedSum(net, x, y, clip);
      for (int k = 0; k < fast.sum().length; k++) {
        assertThat(fast.sum()[k]).as("seed %d parameter %d", SEED, k).isCloseTo(slow.sum()[k], within(1e-4f));
      }
      assertThat(fast.lossSum()).isCloseTo(slow.lossSum(), within(1e-3 * (1 + Math.abs(slow.lossSum()))));
    }
  }

  @Test
  void regressionEvaluation_reportsTheSumsOfThePredictionsInTheLabelsUnits() {
    TabularNetwork model = MlpClassifier.regressionNetwork(3, List.of(4), LossFunction.MSE);
    TensorBundle w = Dl4jTestNets.randomWeights(model, SEED + 6);
    EncodedData data = Dl4jTestNets.randomRegressionData(40, 3, SEED + 7);
    EvaluationStats s = NetworkTraining.evaluate(model, w, data);
    float[] out = TabularNetwork.toFloats(model.network(w).output(Dl4jTestNets.x(data, model.network(w)), false));
    double sse = 0;
    double sae = 0;
    double mean = java.util.Arrays.stream(data.targets()).average().orElseThrow();
    double sst = 0;
    for (int i = 0; i < data.size(); i++) {
      double e = out[i] * 4 + 50 - data.targets()[i]; // the data's center 50 and scale 4
      sse += e * e;
      sae += Math.abs(e);
      sst += (data.targets()[i] - mean) * (data.targets()[i] - mean);
    }
    // The network runs in float32: agreement to about 1e-7 relative.
    assertThat(s.regression().rmse()).isCloseTo(Math.sqrt(sse / 40), within(1e-4));
    assertThat(s.regression().mae()).isCloseTo(sae / 40, within(1e-4));
    assertThat(s.regression().r2()).isCloseTo(1 - sse / sst, within(1e-6));
    assertThat(s.meanLoss()).isCloseTo(sse / 40, within(1e-4));
    PooledEvaluation pooled = new PooledEvaluation().add(s.toProto());
    assertThat(pooled.rmse()).isEqualTo(s.regression().rmse());
    assertThat(pooled.rocAuc()).isNaN();
  }

  @Test
  void regressionTraining_learnsTheLinearSignal_andWithMaeToo() {
    EncodedData train = Dl4jTestNets.randomRegressionData(400, 3, SEED + 8);
    EncodedData validation = Dl4jTestNets.randomRegressionData(200, 3, SEED + 9);
    double std = Math.sqrt(java.util.Arrays.stream(validation.targets()).map(y -> (y - 50) * (y - 50)).average()
        .orElseThrow());
    for (LossFunction loss : List.of(LossFunction.MSE, LossFunction.MEAN_ABSOLUTE_ERROR)) {
      TabularNetwork model = MlpClassifier.regressionNetwork(3, List.of(16), loss);
      TrainResult r = NetworkTraining.train(model, model.initialize(SEED), train,
          new TrainingParams(20, 32, 0.01, null), SEED, null, 1);
      EvaluationStats s = NetworkTraining.evaluate(model, r.weights(), validation);
      // y = 50 + 3 x0 - 2 x1 + N(0, 0.5^2) with x uniform in [-2, 2): std about 4.2, the noise floor 0.5.
      assertThat(s.regression().rmse()).as("%s seed %d: %s (label std %.3f)", loss, SEED, s, std).isLessThan(1.0);
      assertThat(s.regression().r2()).as("%s seed %d", loss, SEED).isGreaterThan(0.9);
    }
  }

  @Test
  void multiclassEvaluation_hasOneVsRestHistogramsPerClass_andTheirMacroAuc() {
    TabularNetwork model = MlpClassifier.network(3, List.of(4), 3);
    TensorBundle w = Dl4jTestNets.randomWeights(model, SEED + 10);
    EncodedData data = Dl4jTestNets.randomData(60, 3, 3, SEED + 11);
    EvaluationStats s = NetworkTraining.evaluate(model, w, data);
    MultiLayerNetwork net = model.network(w);
    float[] p = TabularNetwork.toFloats(net.output(Dl4jTestNets.x(data, net), false));
    double macro = 0;
    for (int c = 0; c < 3; c++) {
      assertThat(java.util.Arrays.stream(s.classPositives()[c]).sum() + java.util.Arrays.stream(s.classNegatives()[c])
          .sum()).isEqualTo(60);
      int own = 0;
      int other = 0;
      double pairs = 0;
      for (int i = 0; i < 60; i++) {
        for (int j = 0; j < 60; j++) {
          if (data.labels()[i] == c && data.labels()[j] != c) {
            double a = p[i * 3 + c];
            double b = p[j * 3 + c];
            pairs += a > b ? 1 : a == b ? 0.5 : 0;
          }
        }
        own += data.labels()[i] == c ? 1 : 0;
      }
      other = 60 - own;
      macro += pairs / ((double) own * other) / 3;
    }
    // Histograms of 1000 bins count pairs within 1/1000 of each other as ties.
    assertThat(s.macroRocAuc()).as("seed %d", SEED).isCloseTo(macro, within(0.01));
    assertThat(new PooledEvaluation().add(s.toProto()).macroRocAuc()).isEqualTo(s.macroRocAuc());
  }

  @Test
  void aClassificationOutputForARegressionJob_isRefusedNamingWhatFits() {
    assertThatThrownBy(() -> TabularNetwork.of(MlpClassifier.configuration(3, List.of(4), 2), 3, 1))
        .hasMessageContaining("the job is a regression").hasMessageContaining("nOut 1");
    MultiLayerConfiguration sigmoid = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
        .layer(new OutputLayer.Builder(LossFunction.XENT).nIn(3).nOut(1).activation(Activation.SIGMOID).build())
        .build();
    assertThatThrownBy(() -> TabularNetwork.of(sigmoid, 3, 1))
        .hasMessageContaining("a regression job needs activation identity with loss MSE or MEAN_ABSOLUTE_ERROR");
    assertThatThrownBy(() -> TabularNetwork.of(regression(3, LossFunction.MSE, DataType.FLOAT), 3, 2))
        .hasMessageContaining("has 1 units, but the job's label has 2 classes");
  }

  /** DL4J's per-example gradients of {@code net} against central differences of its loss, in double. */
  private static void assertFiniteDifferences(MultiLayerNetwork net, EncodedData data, String what) {
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
        double absolute = Math.abs(numeric - analytic[k]);
        double error = absolute < 1e-8 ? 0 : absolute / (Math.abs(numeric) + Math.abs(analytic[k]));
        assertThat(error).as("%s example %d parameter %d: analytic %s numeric %s", what, b, k, analytic[k], numeric)
            .isLessThan(1e-5);
      }
    }
  }
}
