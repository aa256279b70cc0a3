package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.TensorBundle;
import java.io.StringReader;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Issue 19 #2: DP-SGD with the person as the privacy unit, and the unit column as a CSV file holds it. */
class PrivacyUnitTrainingTest {
  private static final long SEED = 0x19_0002L;

  /** {@code rows} rows of {@code width} features, all of class 1, so their gradients mostly point one way. */
  private static EncodedData oneClass(int rows, int width, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[rows * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (1 + 0.3 * r.nextGaussian());
    }
    return new EncodedData(x, width, new int[rows], 2);
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float f : v) {
      s += (double) f * f;
    }
    return Math.sqrt(s);
  }

  @Test
  void oneUnitOfFiftyRows_contributesAtMostC_toAStep_asTheClippedSumOfItsRowsGradients() {
    TabularNetwork model = MlpClassifier.network(5, List.of(8), 2);
    MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED));
    EncodedData data = oneClass(50, 5, SEED + 1);
    UnitGroups oneUnit = UnitGroups.of(new int[50]); // every row the same person
    INDArray x = Dl4jTestNets.x(data, net);
    INDArray y = Dl4jTestNets.y(data, net);
    double[] unitGradient = Dl4jTestNets.doubles(PerExampleGradients.materialise(net, x, y).sum(0));
    double unitNorm = 0;
    for (double g : unitGradient) {
      unitNorm += g * g;
    }
    unitNorm = Math.sqrt(unitNorm);
    double clip = unitNorm / 10; // the unit's rows together are 10 times over C
    float[] record = PerExampleGradients.clippedSum(model, net, x, y, clip).sum();
    float[] unit = PerExampleGradients.unitClippedSum(net, data, oneUnit, new int[] {0}, clip).sum();

    // Record level: 50 rows each clipped to C add up to far more than C.
    assertThat(norm(record)).as("seed %d", SEED).isGreaterThan(5 * clip);
    // Unit level: the person's whole contribution is the sum of their rows' gradients, scaled to norm C, by
    // one DL4J pass over the unit's rows and by the vectorised path DP-SGD takes for dense networks.
    assertThat(norm(unit)).as("seed %d", SEED).isCloseTo(clip, within(1e-4 * clip));
    float[] vectorised = PerExampleGradients.unitClippedSum(model, net, data, oneUnit, new int[] {0}, clip).sum();
    assertThat(norm(vectorised)).as("seed %d", SEED).isCloseTo(clip, within(1e-4 * clip));
    for (int k = 0; k < unit.length; k++) {
      assertThat((double) unit[k]).as("seed %d parameter %d", SEED, k)
          .isCloseTo(unitGradient[k] * clip / unitNorm, within(1e-4 * clip));
    }
  }

  @Test
  void theVectorisedUnitPath_equalsOneDl4jPassPerUnit() {
    TabularNetwork model = MlpClassifier.network(6, List.of(8), 2);
    assertThat(model.denseOnly()).isTrue();
    MultiLayerNetwork net = model.network(Dl4jTestNets.randomWeights(model, SEED + 4));
    EncodedData data = Dl4jTestNets.randomData(40, 6, 2, SEED + 5);
    SplittableRandom r = new SplittableRandom(SEED + 6);
    int[] unitOfRow = new int[40];
    for (int i = 0; i < unitOfRow.length; i++) {
      unitOfRow[i] = r.nextInt(9); // 9 people, rows interleaved
    }
    UnitGroups groups = UnitGroups.of(unitOfRow);
    int[] sampled = {0, 2, 3, 5, groups.count() - 1};
    double clip = 0.3;
    float[] slow = PerExampleGradients.unitMicroBatchClippedSum(net, data, groups, sampled, clip).sum();
    float[] fast = PerExampleGradients.unitClippedSum(model, net, data, groups, sampled, clip).sum();
    for (int k = 0; k < slow.length; k++) {
      assertThat((double) fast[k]).as("seed %d parameter %d", SEED, k).isCloseTo(slow[k], within(1e-4));
    }
  }

  @Test
  void aDpSgdStep_movesTheModelByAtMostC_forOneUnitOfFiftyRows() {
    TabularNetwork model = MlpClassifier.network(5, List.of(8), 2);
    TensorBundle start = Dl4jTestNets.randomWeights(model, SEED + 2);
    EncodedData data = oneClass(50, 5, SEED + 3);
    double clip = 0.05;
    // sigma 0 (only to see the clipping), q 1, one plain SGD step of rate 1: the step is minus the clipped sum
    // divided by the expected number of units, q x 1.
    DpSgdParams p = new DpSgdParams(1, 1.0, 0, clip, 1.0, DpSgdParams.Optimizer.SGD);
    TrainResult unit = TabularDpSgd.train(model, start, data, UnitGroups.of(new int[50]), p, PoissonSampler.secure(),
        GaussianNoise.create(), null, 1);
    float[] before = TabularNetwork.flatten(start);
    float[] after = TabularNetwork.flatten(unit.weights());
    float[] step = new float[before.length];
    for (int k = 0; k < step.length; k++) {
      step[k] = after[k] - before[k];
    }
    assertThat(norm(step)).as("seed %d", SEED).isCloseTo(clip, within(1e-3 * clip));
  }

  @Test
  void unitsAreSampled_soQIsOverPeopleNotRows() {
    // 10 people with 1 to 10 rows each: the population DP-SGD samples is 10.
    int[] unitOfRow = new int[55];
    int at = 0;
    for (int u = 0; u < 10; u++) {
      for (int k = 0; k <= u; k++) {
        unitOfRow[at++] = u;
      }
    }
    UnitGroups g = UnitGroups.of(unitOfRow);
    assertThat(g.count()).isEqualTo(10);
    assertThat(g.rows(9)).hasSize(10);
    assertThat(g.firstRows()).hasSize(10).startsWith(0, 1, 3);
  }

  private static final TabularSchema SCHEMA =
      new TabularSchema("y", List.of("no", "yes"), List.of("x"), List.of(), List.of(4));

  @Test
  void aRowWithoutItsUnit_isDeclined_namingFileLineAndColumn() {
    String csv = "customer_id,x,y\nc1,1.0,yes\nc1,2.0,no\n,3.0,yes\nc2,4.0,no\n";
    assertThatThrownBy(() -> CsvDataset.read(new StringReader(csv), "credit-units.csv", SCHEMA, "customer_id"))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("credit-units.csv line 4, column 'customer_id'")
        .hasMessageContaining("missing privacy unit");
    assertThatThrownBy(() -> CsvDataset.read(new StringReader("x,y\n1,yes\n"), "credit.csv", SCHEMA, "customer_id"))
        .isInstanceOf(DatasetException.class).hasMessageContaining("missing column 'customer_id'");
  }

  @Test
  void theUnitColumn_isReadAsNumbersOnly_andTheSplitKeepsEachPersonOnOneSide() throws Exception {
    StringBuilder csv = new StringBuilder("customer_id,x,y\n");
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < 200; i++) {
      csv.append("cust-").append(r.nextInt(40)).append(',').append(r.nextGaussian()).append(',')
          .append(r.nextBoolean() ? "yes" : "no").append('\n');
    }
    CsvDataset d = CsvDataset.read(new StringReader(csv.toString()), "u.csv", SCHEMA, "customer_id");
    assertThat(d.hasUnits()).isTrue();
    assertThat(d.unitCount()).isBetween(30, 40);
    DatasetSplit.Split s = DatasetSplit.byUnit(d, 0.25, SEED);
    Set<Integer> trainUnits = new HashSet<>();
    s.train().forEach(row -> trainUnits.add(d.unit(row)));
    s.validation().forEach(row -> assertThat(trainUnits).as("seed %d", SEED).doesNotContain(d.unit(row)));
    assertThat(s.train().size() + s.validation().size()).isEqualTo(200);
  }
}
