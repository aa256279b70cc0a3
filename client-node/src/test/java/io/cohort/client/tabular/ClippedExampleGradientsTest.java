package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.Test;

/**
 * Distributed DP's per-unit clipped gradients: the dense fast path equals DL4J's per-example pass, norms <= C; under
 * privacy units (issue 19 #2) a person's vector is the clipped sum of all their rows' gradients, and persons are
 * sampled whole.
 */
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

  private static double norm(float[] v) {
    double s = 0;
    for (float f : v) {
      s += (double) f * f;
    }
    return Math.sqrt(s);
  }

  /** The direct computation: each row's gradient by DL4J alone, summed over {@code rows}, in tensor order. */
  private static float[] rowGradientSum(TabularNetwork model, INDArray perRow, int[] rows) {
    float[] sum = new float[(int) perRow.columns()];
    for (int r : rows) {
      float[] g = TabularNetwork.toFloats(perRow.getRow(r));
      for (int k = 0; k < sum.length; k++) {
        sum[k] += g[k];
      }
    }
    return ClippedExampleGradients.inTensorOrder(model.toBundle(sum));
  }

  @Test
  void onePersonWithFiftyRows_handsTheEncoderOneVector_theirRowsGradientSumClippedToC() {
    TabularNetwork model = MlpClassifier.network(5, List.of(8), 2);
    TensorBundle global = Dl4jTestNets.randomWeights(model, SEED + 2);
    MultiLayerNetwork net = model.network(global);
    // 50 rows of one person and 10 of others, all of class 1, so the person's row gradients add up.
    SplittableRandom r = new SplittableRandom(SEED + 3);
    float[] features = new float[60 * 5];
    for (int i = 0; i < features.length; i++) {
      features[i] = (float) (1 + 0.3 * r.nextGaussian());
    }
    EncodedData data = new EncodedData(features, 5, new int[60], 2);
    int[] unitOfRow = new int[60];
    for (int i = 50; i < 60; i++) {
      unitOfRow[i] = 1 + (i - 50) / 2; // 5 more people of 2 rows
    }
    UnitGroups units = UnitGroups.of(unitOfRow);
    INDArray perRow = PerExampleGradients.materialise(net, Dl4jTestNets.x(data, net), Dl4jTestNets.y(data, net));
    int[] person = units.rows(0);
    assertThat(person).hasSize(50);
    float[] want = rowGradientSum(model, perRow, person);
    double clip = norm(want) / 10; // the person's rows together are 10 times over C
    double rowNorm = perRow.getRow(0).norm2Number().doubleValue();
    assertThat(rowNorm).as("seed %d: one row alone is within C", SEED).isLessThan(clip);
    double factor = clip / norm(want);
    for (int k = 0; k < want.length; k++) {
      want[k] *= (float) factor;
    }

    List<float[]> got = ClippedExampleGradients.ofUnits(model, global, data, units, new int[] {0}, clip);
    assertThat(got).hasSize(1);
    assertThat(norm(got.get(0))).as("seed %d", SEED).isLessThanOrEqualTo(clip * (1 + 1e-5));
    // The general path (one DL4J pass over the person's rows) gives the same vector.
    INDArray x = NetworkBatches.features(data, person, net.params().dataType());
    INDArray y = NetworkBatches.labels(data, person, net.params().dataType());
    int[][] positions = {NetworkBatches.range(0, 50)};
    float[] slow = ClippedExampleGradients.microBatches(model, net, x, y, positions, clip).get(0);
    for (int k = 0; k < want.length; k++) {
      assertThat((double) got.get(0)[k]).as("seed %d parameter %d", SEED, k).isCloseTo(want[k], within(1e-4 * clip));
      assertThat((double) slow[k]).as("seed %d parameter %d", SEED, k).isCloseTo(want[k], within(1e-4 * clip));
    }
    // Per record the same 50 rows would hand the encoder 50 vectors of up to C each: far more than C together.
    float[] recordTotal = new float[want.length];
    for (float[] g : ClippedExampleGradients.of(model, global, data, person, clip)) {
      for (int k = 0; k < g.length; k++) {
        recordTotal[k] += g[k];
      }
    }
    assertThat(norm(recordTotal)).as("seed %d", SEED).isGreaterThan(5 * clip);
  }

  @Test
  void personsAreSampledWhole_atRateQ_overPersonsNotRows() {
    TabularNetwork model = MlpClassifier.network(4, List.of(6), 2);
    TensorBundle global = Dl4jTestNets.randomWeights(model, SEED + 4);
    MultiLayerNetwork net = model.network(global);
    // 20 persons with 1 to 8 rows each (82 rows), in shuffled order.
    SplittableRandom r = new SplittableRandom(SEED + 5);
    int[] unitOfRow = new int[82];
    int at = 0;
    for (int u = 0; u < 20; u++) {
      for (int k = 0; k <= u % 8; k++) {
        unitOfRow[at++] = u;
      }
    }
    for (int i = unitOfRow.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = unitOfRow[i];
      unitOfRow[i] = unitOfRow[j];
      unitOfRow[j] = t;
    }
    EncodedData data = Dl4jTestNets.randomData(82, 4, 2, SEED + 6);
    UnitGroups units = UnitGroups.of(unitOfRow);
    assertThat(units.count()).isEqualTo(20);
    INDArray perRow = PerExampleGradients.materialise(net, Dl4jTestNets.x(data, net), Dl4jTestNets.y(data, net));
    float[][] whole = new float[20][];
    for (int u = 0; u < 20; u++) {
      whole[u] = rowGradientSum(model, perRow, units.rows(u));
    }
    double q = 0.3;
    int draws = 100;
    PoissonSampler sampler = PoissonSampler.reproducibleForTests(SEED + 7);
    int[] picked = new int[20];
    long vectors = 0;
    for (int d = 0; d < draws; d++) {
      // No clipping (C far above any norm): each vector must be exactly one person's whole rows' sum.
      List<float[]> got = ClippedExampleGradients.ofSample(model, global, data, units, sampler, q, 1e6);
      vectors += got.size();
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (float[] g : got) {
        int match = -1;
        for (int u = 0; u < 20 && match < 0; u++) {
          if (closeTo(g, whole[u])) {
            match = u;
          }
        }
        assertThat(match).as("seed %d draw %d: a vector that is not one person's whole rows", SEED, d)
            .isNotNegative();
        assertThat(seen.add(match)).as("seed %d draw %d: person %d twice", SEED, d, match).isTrue();
        picked[match]++;
      }
    }
    // Expected q x 20 persons = 6 a draw (q x 82 rows would be 24.6); sd of the mean over 100 draws is 0.2.
    assertThat(vectors / (double) draws).as("seed %d", SEED).isCloseTo(q * 20, within(1.0));
    for (int u = 0; u < 20; u++) {
      assertThat(picked[u] / (double) draws).as("seed %d person %d", SEED, u).isBetween(0.1, 0.55);
    }
  }

  private static boolean closeTo(float[] a, float[] b) {
    for (int k = 0; k < a.length; k++) {
      if (Math.abs(a[k] - b[k]) > 1e-4 * (1 + Math.abs(b[k]))) {
        return false;
      }
    }
    return true;
  }
}
