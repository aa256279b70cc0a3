package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.wire.TensorBundle;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A job's DL4J network: configuration JSON and zips, the checks that decline a job, the wire layout. */
class TabularNetworkTest {
  private static final long SEED = 424_242L;

  private static MultiLayerConfiguration twoHiddenWithDropout(int width) {
    return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(7).list()
        .layer(new DenseLayer.Builder().nIn(width).nOut(16).activation(Activation.RELU).dropOut(0.9).build())
        .layer(new DenseLayer.Builder().nIn(16).nOut(8).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(2)
            .activation(Activation.SOFTMAX).build())
        .build();
  }

  @Test
  void defaultMlp_asJson_hasTheHandWrittenLayout_andTrainsTheSame() {
    TabularNetwork dflt = MlpClassifier.network(5, List.of(4), 2);
    TabularNetwork fromJson = TabularNetwork.fromJson(MlpClassifier.configuration(5, List.of(4), 2).toJson(), 5, 2);
    TensorBundle start = dflt.initialize(SEED);
    assertThat(start.names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias");
    assertThat(start.get("layers.0.weight").shape()).containsExactly(4, 5);
    fromJson.checkLayout(start);
    EncodedData data = Dl4jTestNets.randomData(30, 5, 2, SEED);
    TrainingParams p = new TrainingParams(2, 8, 0.01);
    assertThat(NetworkTraining.train(fromJson, start, data, p, SEED, null, 0).weights().sha256())
        .as("seed %d", SEED).isEqualTo(NetworkTraining.train(dflt, start, data, p, SEED, null, 0).weights().sha256());
  }

  @Test
  void mismatches_areNamed() {
    String json = twoHiddenWithDropout(6).toJson();
    assertThatThrownBy(() -> TabularNetwork.fromJson(json, 9, 2))
        .hasMessageContaining("first layer (DenseLayer) takes 6 inputs")
        .hasMessageContaining("encoded features are 9 wide");
    assertThatThrownBy(() -> TabularNetwork.fromJson(json, 6, 3))
        .hasMessageContaining("output layer has 2 units").hasMessageContaining("label has 3 classes");
    String mse = new NeuralNetConfiguration.Builder().list()
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(6).nOut(2).activation(Activation.IDENTITY)
            .build()).build().toJson();
    assertThatThrownBy(() -> TabularNetwork.fromJson(mse, 6, 2)).hasMessageContaining("softmax with loss MCXENT");
    assertThatThrownBy(() -> TabularNetwork.fromJson("{\"confs\": 3}", 6, 2))
        .hasMessageContaining("not a DL4J MultiLayerConfiguration JSON");
  }

  @Test
  void zip_bringsItsWeights_inDl4jOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    MultiLayerNetwork net = new MultiLayerNetwork(twoHiddenWithDropout(6));
    net.init();
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    ModelSerializer.writeModel(net, zip, false);
    TabularNetwork model = TabularNetwork.fromZip(zip.toByteArray(), 6, 2);
    assertThat(model.denseOnly()).isFalse(); // dropout: DP takes DL4J's micro-batch path
    TensorBundle w = model.initialize(SEED);
    assertThat(w.names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "layers.2.weight", "layers.2.bias");
    assertThat(TabularNetwork.flatten(w)).containsExactly(TabularNetwork.toFloats(net.params()));
    // [out, in] row-major is DL4J's [in, out] column-major: element (o, j) is W[j][o].
    assertThat(w.get("layers.0.weight").values()[1 * 6 + 2]).isEqualTo(net.getLayer(0).getParam("W").getFloat(2, 1));
    EncodedData data = Dl4jTestNets.randomData(20, 6, 2, SEED);
    TrainResult r = NetworkTraining.train(model, w, data, new TrainingParams(1, 5, 0.01), SEED, null, 0);
    assertThat(NetworkTraining.evaluate(model, r.weights(), data).numExamples()).isEqualTo(20);
  }
}
