package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.io.StringReader;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureEncoderTest {
  private static final TabularSchema SCHEMA =
      new TabularSchema(
          "y",
          List.of("no", "yes"),
          List.of("a", "flat"),
          List.of(
              new CategoricalColumn("colour", List.of("red", "green", "blue")),
              new CategoricalColumn("size", List.of("s", "l"))),
          List.of(4));

  // Columns deliberately in another order than the schema: layout follows the schema.
  private static final String CSV = """
      size,y,colour,flat,a
      s,no,red,5,1
      l,yes,blue,5,2
      l,no,green,5,3
      s,yes,blue,5,10
      """;

  private static CsvDataset data() throws DatasetException {
    return CsvDataset.read(new StringReader(CSV), "enc.csv", SCHEMA);
  }

  @Test
  void encode_numericThenOneHotBlocksInSchemaOrder() throws Exception {
    CsvDataset data = data();
    FeatureEncoder encoder = FeatureEncoder.fit(data, List.of(0, 1, 2), SCHEMA);

    EncodedData encoded = encoder.encode(data, List.of(0, 1, 2, 3));

    assertThat(encoded.width()).isEqualTo(SCHEMA.inputWidth()).isEqualTo(7);
    assertThat(encoded.numClasses()).isEqualTo(2);
    assertThat(encoded.labels()).containsExactly(0, 1, 0, 1);
    double sd = Math.sqrt(2.0 / 3.0); // population std of 1, 2, 3
    float[] row3 = new float[] {
      (float) ((10 - 2) / sd), 0f, // a scaled with rows 0..2 only; flat is constant -> 0
      0f, 0f, 1f, // colour = blue
      1f, 0f // size = s
    };
    float[] row0 = new float[] {(float) (-1 / sd), 0f, 1f, 0f, 0f, 1f, 0f};
    assertThat(Arrays.copyOfRange(encoded.features(), 0, 7)).containsExactly(row0);
    assertThat(Arrays.copyOfRange(encoded.features(), 21, 28)).containsExactly(row3);
  }

  @Test
  void fit_usesOnlyTheGivenRows_populationStd_constantColumnScaleOne() throws Exception {
    FeatureEncoder encoder = FeatureEncoder.fit(data(), List.of(0, 1, 2), SCHEMA);

    assertThat(encoder.means()).containsExactly(2.0, 5.0);
    assertThat(encoder.scales()[0]).isCloseTo(Math.sqrt(2.0 / 3.0), within(1e-12));
    assertThat(encoder.scales()[1]).isEqualTo(1.0);
  }

  @Test
  void encodedTrainingRows_haveZeroMeanUnitVariance() throws Exception {
    CsvDataset credit = CsvDataset.load(CreditData.file(), CreditData.schema(List.of(32)));
    List<Integer> train = DatasetSplit.stratified(credit, 0.2, 42).train();
    FeatureEncoder encoder = FeatureEncoder.fit(credit, train, credit.schema());

    EncodedData encoded = encoder.encode(credit, train);

    for (int j = 0; j < 7; j++) {
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < encoded.size(); i++) {
        sum += encoded.feature(i, j);
        squares += (double) encoded.feature(i, j) * encoded.feature(i, j);
      }
      double mean = sum / encoded.size();
      assertThat(mean).as("column %d", j).isCloseTo(0, within(1e-5));
      assertThat(squares / encoded.size() - mean * mean).as("column %d", j)
          .isCloseTo(1, within(1e-4));
    }
    // Each row has exactly one 1 in each of the 13 one-hot blocks.
    for (int i = 0; i < encoded.size(); i++) {
      float ones = 0;
      for (int j = 7; j < encoded.width(); j++) {
        ones += encoded.feature(i, j);
      }
      assertThat(ones).isEqualTo(13f);
    }
  }

  @Test
  void fit_withNoRows_rejected() throws Exception {
    CsvDataset data = data();
    assertThatThrownBy(() -> FeatureEncoder.fit(data, List.of(), SCHEMA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rows is empty");
  }

  @Test
  void otherSchema_rejected() throws Exception {
    TabularSchema other = new TabularSchema(
        "y", List.of("no", "yes"), List.of("a"), List.of(), List.of());
    CsvDataset data = data();
    assertThatThrownBy(() -> FeatureEncoder.fit(data, List.of(0), other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enc.csv");
  }
}
