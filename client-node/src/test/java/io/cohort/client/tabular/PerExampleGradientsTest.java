package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.tabular.MlpClassifier.Network;
import io.cohort.client.tabular.PerExampleGradients.Backward;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PerExampleGradientsTest {
  private static final long SEED = 0x5eed_d95L;

  private record Batch(Network net, INDArray x, int[] labels) {}

  /** A random network (biases non-zero) and batch in double precision, from {@code seed}. */
  private static Batch batch(long seed, int rows, int width, List<Integer> hidden, int classes) {
    SplittableRandom r = new SplittableRandom(seed);
    TensorBundle init = MlpClassifier.initialize(width, hidden, classes, r.nextLong());
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : init.tensors()) {
      float[] v = new float[t.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextDouble(-1, 1);
      }
      tensors.add(new Tensor(t.name(), t.shape(), v));
    }
    double[] x = new double[rows * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble(-2, 2);
    }
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = r.nextInt(classes);
    }
    return new Batch(Network.fromBundle(new TensorBundle(tensors), DataType.DOUBLE),
        Nd4j.create(x, new long[] {rows, width}, DataType.DOUBLE), labels);
  }

  private static float[] flatten(INDArray[] w, INDArray[] b) {
    return new PerExampleGradients.Gradients(w, b).flatten();
  }

  @Test
  void perExampleGradients_sumToTheBatchGradient() {
    for (List<Integer> hidden : List.of(List.of(7, 4), List.<Integer>of(), List.of(5))) {
      long seed = SEED + hidden.size();
      Batch b = batch(seed, 13, 6, hidden, 3);
      INDArray perExample = PerExampleGradients.materialise(PerExampleGradients.backward(b.net(), b.x(), b.labels()));
      assertThat(perExample.size(0)).as("seed %d", seed).isEqualTo(13);
      double[] sum = perExample.sum(0).toDoubleVector();
      Network.Pass pass = b.net().lossAndGradients(b.x(), b.labels()); // mean over the batch
      float[] mean = flatten(pass.weightGradients(), pass.biasGradients());
      assertThat(sum).as("seed %d", seed).hasSize(mean.length);
      for (int i = 0; i < sum.length; i++) {
        assertThat(sum[i]).as("parameter %d, hidden %s, seed %d", i, hidden, seed)
            .isCloseTo(13.0 * mean[i], within(1e-5 + 1e-5 * Math.abs(sum[i])));
      }
    }
  }

  @Test
  void norms_equalTheMaterialisedRowNorms() {
    Batch b = batch(SEED, 17, 5, List.of(6, 3), 2);
    Backward back = PerExampleGradients.backward(b.net(), b.x(), b.labels());
    double[] fast = PerExampleGradients.norms(back).toDoubleVector();
    double[] reference = PerExampleGradients.materialise(back).norm2(1).toDoubleVector();
    for (int i = 0; i < fast.length; i++) {
      assertThat(fast[i]).as("row %d, seed %d", i, SEED).isCloseTo(reference[i], within(1e-9 + 1e-9 * reference[i]));
    }
  }

  @Test
  void clippedSum_equalsSumOfClippedRows_andEveryClippedNormIsAtMostC() {
    for (double clip : new double[] {0.01, 0.5, 1e6}) {
      Batch b = batch(SEED + 7, 11, 4, List.of(8), 3);
      Backward back = PerExampleGradients.backward(b.net(), b.x(), b.labels());
      INDArray factors = PerExampleGradients.clipFactors(PerExampleGradients.norms(back), clip);
      INDArray rows = PerExampleGradients.materialise(back);
      INDArray clipped = rows.mulColumnVector(factors.reshape(factors.length(), 1));
      double[] clippedNorms = clipped.norm2(1).toDoubleVector();
      double[] rawNorms = rows.norm2(1).toDoubleVector();
      for (int i = 0; i < clippedNorms.length; i++) {
        assertThat(clippedNorms[i]).as("row %d, C %s, seed %d", i, clip, SEED + 7).isLessThanOrEqualTo(clip * (1 + 1e-9));
        // Rows already within C are left alone.
        if (rawNorms[i] <= clip) {
          assertThat(clippedNorms[i]).isCloseTo(rawNorms[i], within(1e-12));
        }
      }
      float[] fast = PerExampleGradients.scaledSum(back, factors).flatten();
      double[] reference = clipped.sum(0).toDoubleVector();
      for (int i = 0; i < fast.length; i++) {
        assertThat((double) fast[i]).as("parameter %d, C %s, seed %d", i, clip, SEED + 7)
            .isCloseTo(reference[i], within(1e-5 + 1e-5 * Math.abs(reference[i])));
      }
    }
  }
}
