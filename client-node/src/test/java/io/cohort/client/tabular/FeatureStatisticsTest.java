package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Additive feature statistics: the nodes' sum encodes exactly as a fit on the pooled rows. */
class FeatureStatisticsTest {
  private static final TabularSchema SCHEMA = new TabularSchema("y", List.of("n", "p"), List.of("a", "b"),
      List.of(new CategoricalColumn("c", List.of("u", "v", "w"))), List.of(), Map.of());

  private static CsvDataset randomData(long seed, int rows) throws DatasetException {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder csv = new StringBuilder("y,a,b,c\n");
    for (int i = 0; i < rows; i++) {
      csv.append(r.nextInt(3) == 0 ? "p" : "n").append(',')
          .append(r.nextInt(8) == 0 ? "NA" : String.valueOf(50 + 10 * r.nextGaussian())).append(',')
          .append(r.nextInt(5) == 0 ? "" : String.valueOf(r.nextInt(4))).append(',')
          .append(r.nextInt(6) == 0 ? "?" : List.of("u", "v", "v", "w").get(r.nextInt(4))).append('\n');
    }
    return CsvDataset.read(new StringReader(csv.toString()), "t.csv", SCHEMA);
  }

  @Test
  void sumOfThreeNodesStatistics_encodesLikeAFitOnThePooledRows() throws Exception {
    long seed = 2312;
    CsvDataset data = randomData(seed, 300);
    List<Integer> all = IntStream.range(0, data.size()).boxed().toList();
    FeatureStatistics sum = null;
    for (int node = 0; node < 3; node++) {
      List<Integer> shard = new ArrayList<>();
      for (int row = node; row < data.size(); row += 3) {
        shard.add(row);
      }
      FeatureStatistics s = FeatureStatistics.of(data, shard);
      sum = sum == null ? s : sum.plus(s);
    }
    FeatureStatistics pooled = FeatureStatistics.of(data, all);
    assertThat(sum.numericCount()).containsExactly(pooled.numericCount());
    assertThat(sum.categoryCounts()[0]).containsExactly(pooled.categoryCounts()[0]);
    assertThat(sum.classCounts()).containsExactly(pooled.classCounts());

    FeatureEncoder federated = FeatureEncoder.fromStatistics(SCHEMA, sum, Standardize.LOCAL);
    FeatureEncoder central = FeatureEncoder.fit(data, all, SCHEMA);
    for (int j = 0; j < 2; j++) {
      assertThat(federated.means()[j]).as("seed %d column %d", seed, j).isCloseTo(central.means()[j], within(1e-9));
      assertThat(federated.scales()[j]).as("seed %d column %d", seed, j).isCloseTo(central.scales()[j], within(1e-9));
      assertThat(federated.numericFill()[j]).isCloseTo(central.numericFill()[j], within(1e-9));
    }
    assertThat(federated.categoryFill()).containsExactly(central.categoryFill());
    float[] a = federated.encode(data, all).features();
    float[] b = central.encode(data, all).features();
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).as("seed %d value %d", seed, i).isCloseTo(b[i], within(1e-5f));
    }
  }

  @Test
  void medianImputation_cannotComeFromSums() {
    TabularSchema median = new TabularSchema("y", List.of("n", "p"), List.of("a"), List.of(), List.of(),
        Map.of("a", new MissingValues(List.of(""), Imputation.MEDIAN, "", false)));
    FeatureStatistics s = new FeatureStatistics(new double[] {1}, new double[] {1}, new double[] {1},
        new double[0][], new double[] {1, 0});
    assertThatThrownBy(() -> FeatureEncoder.fromStatistics(median, s, Standardize.LOCAL))
        .hasMessageContaining("column 'a' imputes the median, which sums of statistics cannot give");
  }
}
