package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.TabularSpec;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Issue 23 #2: the fixed-point words of feature statistics sum exactly, as the secure sum adds them. */
class StatisticsWordsTest {
  private static final TabularSpec SPEC = TabularSpec.newBuilder().addClasses("no").addClasses("yes")
      .addNumericColumns("a").addNumericColumns("b")
      .addCategoricalColumns(CategoricalColumn.newBuilder().setName("c").addCategories("x").addCategories("y"))
      .build();

  @Test
  void wordsAreWholeLimbs_andTheirSumsDecodeToTheSumOfTheValues() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    int n = 50;
    int length = 7;
    int[] wordSums = new int[StatisticsWords.LIMBS * length];
    double[] expected = new double[length];
    for (int node = 0; node < n; node++) {
      double[] v = new double[length];
      for (int i = 0; i < length; i++) {
        v[i] = random.nextDouble(-1e9, 1e9) * (i == 0 ? 1e-9 : 1);
        expected[i] += v[i];
      }
      float[] words = StatisticsWords.encode(v);
      for (int k = 0; k < words.length; k++) {
        assertThat(words[k]).as("seed %d", seed).isBetween(0f, (float) StatisticsWords.CLIP);
        assertThat(words[k]).isEqualTo((float) Math.rint(words[k]));
        wordSums[k] += (int) words[k]; // what the library's quantiser (step 1) and sum produce
      }
    }
    double[] got = StatisticsWords.decode(wordSums, length);
    for (int i = 0; i < length; i++) {
      assertThat(got[i]).as("statistic %d, seed %d", i, seed).isCloseTo(expected[i], within(n * 0x1p-17 + 1e-6));
    }
  }

  @Test
  void flattenAndUnflatten_followTheSchema() {
    assertThat(StatisticsWords.statistics(SPEC)).isEqualTo(3 * 2 + 2 + 2);
    double[] values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    FederationStatistics s = StatisticsWords.unflatten(SPEC, values, 3);
    assertThat(s.getNumericSumOfSquaresList()).containsExactly(5.0, 6.0);
    assertThat(s.getCategoryCounts(0).getCountsList()).containsExactly(7.0, 8.0);
    assertThat(s.getClassCountsList()).containsExactly(9.0, 10.0);
    assertThat(StatisticsWords.flatten(SPEC, s)).containsExactly(values);
    assertThatThrownBy(() -> StatisticsWords.flatten(SPEC, s.toBuilder().clearClassCounts().addClassCounts(9).build()))
        .hasMessage("feature statistics do not fit the job's columns and classes");
  }

  @Test
  void valuesBeyondTheFixedPointRange_areRefused() {
    assertThatThrownBy(() -> StatisticsWords.encode(new double[] {0, StatisticsWords.MAX_MAGNITUDE}))
        .hasMessageContaining("feature statistic 1");
    assertThatThrownBy(() -> StatisticsWords.encode(new double[] {Double.NaN})).hasMessageContaining("not finite");
  }
}
