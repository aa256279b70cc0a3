package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.tabular.DatasetSplit.Split;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DatasetSplitTest {
  private static CsvDataset credit;

  @BeforeAll
  static void load() throws DatasetException {
    credit = CsvDataset.load(CreditData.file(), CreditData.schema(List.of(32)));
  }

  private static int count(CsvDataset data, List<Integer> rows, int label) {
    return (int) rows.stream().filter(r -> data.label(r) == label).count();
  }

  @Test
  void credit_validationKeepsClassProportions() {
    long seed = 42;
    Split split = DatasetSplit.stratified(credit, 0.2, seed);

    assertThat(split.validation()).as("seed %d", seed).hasSize(200);
    assertThat(count(credit, split.validation(), 0)).as("seed %d", seed).isEqualTo(140);
    assertThat(count(credit, split.validation(), 1)).as("seed %d", seed).isEqualTo(60);
    assertThat(split.train()).as("seed %d", seed).hasSize(800);
  }

  @Test
  void anySeed_splitIsAPartitionOfAllRows() {
    long seed = new SplittableRandom().nextLong();
    Split split = DatasetSplit.stratified(credit, 0.3, seed);

    List<Integer> all = new ArrayList<>(split.train());
    all.addAll(split.validation());
    assertThat(all).as("seed %d", seed).doesNotHaveDuplicates().hasSize(credit.size());
    assertThat(split.train()).as("seed %d", seed).isSorted();
    assertThat(split.validation()).as("seed %d", seed).isSorted();
  }

  @Test
  void sameSeed_sameSplit_otherSeed_otherSplit() {
    Split a = DatasetSplit.stratified(credit, 0.2, 7);
    Split b = DatasetSplit.stratified(credit, 0.2, 7);
    Split c = DatasetSplit.stratified(credit, 0.2, 8);

    assertThat(a).isEqualTo(b);
    assertThat(c.validation()).isNotEqualTo(a.validation());
  }

  @Test
  void zeroFraction_putsEverythingInTraining() {
    Split split = DatasetSplit.stratified(credit, 0.0, 1);

    assertThat(split.validation()).isEmpty();
    assertThat(split.train()).hasSize(1000);
  }

  @Test
  void fractionOutsideRange_rejected() {
    for (double bad : new double[] {-0.01, 0.91, 1.0, Double.NaN}) {
      assertThatThrownBy(() -> DatasetSplit.stratified(credit, bad, 1))
          .as("fraction %s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("validationFraction")
          .hasMessageContaining("[0, 0.9]");
    }
  }

  @Test
  void smallClasses_getOneValidationRowButKeepOneForTraining() throws DatasetException {
    // 20 good, 2 bad, 1 "ugly": at 5%, bad rounds to 0 rows yet must give 1; ugly has 1 row.
    TabularSchema schema = new TabularSchema(
        "class", List.of("good", "bad", "ugly"), List.of("x"), List.of(), List.of());
    StringBuilder csv = new StringBuilder("x,class\n");
    csv.append("1,good\n".repeat(20)).append("2,bad\n".repeat(2)).append("3,ugly\n");
    CsvDataset data = CsvDataset.read(new StringReader(csv.toString()), "small.csv", schema);

    for (long seed = 0; seed < 20; seed++) {
      Split split = DatasetSplit.stratified(data, 0.05, seed);
      assertThat(count(data, split.validation(), 0)).as("seed %d", seed).isEqualTo(1);
      assertThat(count(data, split.validation(), 1)).as("seed %d", seed).isEqualTo(1);
      assertThat(count(data, split.validation(), 2)).as("seed %d", seed).isZero();
      assertThat(count(data, split.train(), 1)).as("seed %d", seed).isEqualTo(1);
    }
    Split most = DatasetSplit.stratified(data, 0.9, 3);
    assertThat(count(data, most.train(), 1)).as("0.9 of 2 rows keeps one").isEqualTo(1);
    assertThat(count(data, most.validation(), 0)).isEqualTo(18);
  }
}
