package io.cohort.client.tabular;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Networks, random parameters and batches for the DL4J model tests. */
final class Dl4jTestNets {
  private Dl4jTestNets() {}

  /** {@code conf} in double precision, for finite differences. */
  static MultiLayerConfiguration inDouble(MultiLayerConfiguration conf) {
    MultiLayerConfiguration c = conf.clone();
    c.setDataType(DataType.DOUBLE);
    return c;
  }

  /** Every value of the model's layout drawn uniformly from [-1, 1) (biases non-zero). */
  static TensorBundle randomWeights(TabularNetwork model, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : model.initialize(seed).tensors()) {
      float[] v = new float[t.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextDouble(-1, 1);
      }
      tensors.add(new Tensor(t.name(), t.shape(), v));
    }
    return new TensorBundle(tensors);
  }

  /** Random rows in [-2, 2) with random labels. */
  static EncodedData randomData(int rows, int width, int classes, long seed) {
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

  /** Random rows in [-2, 2) with targets y = 3 x0 - 2 x1 + noise, around 50 (the network sees them scaled). */
  static EncodedData randomRegressionData(int rows, int width, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble(-2, 2);
    }
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = 50 + 3 * x[i * width] - 2 * x[i * width + 1] + 0.5 * random.nextGaussian();
    }
    return EncodedData.regression(x, width, y, 50, 4);
  }

  static INDArray x(EncodedData d, MultiLayerNetwork net) {
    return NetworkBatches.features(d, NetworkBatches.range(0, d.size()), net.params().dataType());
  }

  static INDArray y(EncodedData d, MultiLayerNetwork net) {
    return NetworkBatches.labels(d, NetworkBatches.range(0, d.size()), net.params().dataType());
  }

  /** DL4J's summed loss over the rows (its score is the mean). */
  static double lossSum(MultiLayerNetwork net, INDArray x, INDArray y) {
    net.setInput(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    return net.score() * x.rows();
  }

  /** DL4J's gradient of the rows' summed loss, a copy. */
  static INDArray gradientSum(MultiLayerNetwork net, INDArray x, INDArray y) {
    net.setInput(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    return net.gradient().gradient().dup().reshape(net.numParams());
  }

  static double[] doubles(INDArray a) {
    return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
  }

  static INDArray row(float[] v) {
    return Nd4j.create(v, new long[] {v.length}, DataType.FLOAT);
  }
}
