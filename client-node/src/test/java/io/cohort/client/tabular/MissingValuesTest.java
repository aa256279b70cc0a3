package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Missing cells: recognised by token, filled by the column's imputation, flagged by indicators. */
class MissingValuesTest {
  private static final CategoricalColumn COLOUR = new CategoricalColumn("colour", List.of("red", "blue", "?"));

  private static TabularSchema schema(Map<String, MissingValues> missing) {
    return new TabularSchema("y", List.of("n", "p"), List.of("x"), List.of(COLOUR), List.of(), missing);
  }

  private static CsvDataset read(String text, TabularSchema schema) throws DatasetException {
    return CsvDataset.read(new StringReader(text), "t.csv", schema);
  }

  private static List<Integer> all(CsvDataset d) {
    return IntStream.range(0, d.size()).boxed().toList();
  }

  private static final String DATA = "y,x,colour\n"
      + "n,1,red\n"
      + "p,,blue\n"       // empty: missing
      + "n,NA,red\n"      // NA: missing
      + "p, NaN ,?\n"     // NaN with blanks: missing; '?' is a declared category, not missing
      + "n,7,\n"          // empty category: missing
      + "p,4,red\n";

  @Test
  void defaultTokens_markCellsMissing_butADeclaredCategoryWins() throws Exception {
    CsvDataset d = read(DATA, schema(Map.of()));
    assertThat(IntStream.range(0, 6).mapToObj(r -> d.isMissingNumber(r, 0)).toList())
        .containsExactly(false, true, true, true, false, false);
    assertThat(d.isMissingCategory(3, 0)).as("'?' is declared").isFalse();
    assertThat(d.category(3, 0)).isEqualTo(2);
    assertThat(d.isMissingCategory(4, 0)).isTrue();
  }

  @Test
  void meanAndMostFrequent_fillFromTrainingRows_andScalingUsesPresentValues() throws Exception {
    CsvDataset d = read(DATA, schema(Map.of()));
    FeatureEncoder enc = FeatureEncoder.fit(d, all(d), d.schema());
    assertThat(enc.numericFill()[0]).isEqualTo(4.0); // mean of 1, 7, 4
    assertThat(enc.means()[0]).isEqualTo(4.0);
    assertThat(enc.scales()[0]).isCloseTo(Math.sqrt(6), within(1e-12));
    assertThat(enc.categoryFill()[0]).isEqualTo(0); // red: 3 of 5 present
    EncodedData e = enc.encode(d, all(d));
    assertThat(e.feature(1, 0)).as("a filled mean scales to 0").isEqualTo(0f);
    assertThat(e.feature(4, 1)).as("missing colour one-hot at red").isEqualTo(1f);
  }

  @Test
  void medianConstantAndMostFrequent_forNumbers() throws Exception {
    String text = "y,x,colour\nn,1,red\np,2,red\nn,2,red\np,10,red\nn,,red\n";
    double[] fills = new double[3];
    List<MissingValues> rules = List.of(
        new MissingValues(MissingValues.DEFAULT_TOKENS, Imputation.MEDIAN, "", false),
        new MissingValues(MissingValues.DEFAULT_TOKENS, Imputation.CONSTANT, "-3.5", false),
        new MissingValues(MissingValues.DEFAULT_TOKENS, Imputation.MOST_FREQUENT, "", false));
    for (int i = 0; i < rules.size(); i++) {
      CsvDataset d = read(text, schema(Map.of("x", rules.get(i))));
      fills[i] = FeatureEncoder.fit(d, all(d), d.schema()).numericFill()[0];
    }
    assertThat(fills).containsExactly(2.0, -3.5, 2.0);
  }

  @Test
  void indicators_followTheOneHotBlocks_numericFirst() throws Exception {
    TabularSchema s = schema(Map.of(
        "x", new MissingValues(MissingValues.DEFAULT_TOKENS, Imputation.CONSTANT, "0", true),
        "colour", new MissingValues(List.of(""), Imputation.CONSTANT, "blue", true)));
    assertThat(s.inputWidth()).isEqualTo(1 + 3 + 2);
    assertThat(s.featureNames())
        .containsExactly("x", "colour=red", "colour=blue", "colour=?", "x missing", "colour missing");
    CsvDataset d = read(DATA, s);
    EncodedData e = FeatureEncoder.fit(d, all(d), s, Standardize.NONE).encode(d, all(d));
    assertThat(row(e, 0)).containsExactly(1f, 1f, 0f, 0f, 0f, 0f);
    assertThat(row(e, 1)).containsExactly(0f, 0f, 1f, 0f, 1f, 0f);
    assertThat(row(e, 4)).containsExactly(7f, 0f, 1f, 0f, 0f, 1f);
  }

  @Test
  void standardizeNone_leavesValuesUnscaled() throws Exception {
    CsvDataset d = read(DATA, schema(Map.of()));
    FeatureEncoder enc = FeatureEncoder.fit(d, all(d), d.schema(), Standardize.NONE);
    assertThat(enc.means()).containsExactly(0.0);
    assertThat(enc.scales()).containsExactly(1.0);
    assertThat(enc.encode(d, all(d)).feature(5, 0)).isEqualTo(4f);
  }

  @Test
  void aValueThatIsNeitherNumberNorToken_namesTheTokens() {
    assertThatThrownBy(() -> read("y,x,colour\nn,n/a,red\n", schema(Map.of())))
        .isInstanceOf(DatasetException.class)
        .hasMessage("t.csv line 2, column 'x': 'n/a' is not a number; expected a decimal number such as 42 or"
            + " -1.5e3 or a missing-value token ['', '?', 'NA', 'NaN']");
    assertThatThrownBy(() -> read("y,x,colour\nn,1,green\n", schema(Map.of())))
        .hasMessage("t.csv line 2, column 'colour': 'green' is not one of [red, blue, ?] or a missing-value token"
            + " ['', '?', 'NA', 'NaN']");
  }

  @Test
  void schemaRejects_meanForACategory_unknownColumn_andABadConstant() {
    MissingValues mean = new MissingValues(List.of(), Imputation.MEAN, "", false);
    assertThatThrownBy(() -> schema(Map.of("colour", mean)))
        .hasMessageContaining("categorical column 'colour': impute mean applies to numeric columns only");
    assertThatThrownBy(() -> schema(Map.of("z", mean)))
        .hasMessageContaining("'z', which is not a feature column");
    assertThatThrownBy(() -> schema(Map.of("colour",
        new MissingValues(List.of(), Imputation.CONSTANT, "green", false))))
        .hasMessageContaining("'green' is not one of its categories [red, blue, ?]");
    assertThatThrownBy(() -> schema(Map.of("x", new MissingValues(List.of(), Imputation.CONSTANT, "ten", false))))
        .hasMessageContaining("'ten' is not a decimal number");
  }

  private static float[] row(EncodedData e, int r) {
    float[] out = new float[e.width()];
    for (int c = 0; c < e.width(); c++) {
      out[c] = e.feature(r, c);
    }
    return out;
  }
}
