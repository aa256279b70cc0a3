package io.cohort.client.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NonNegativeCountsTest {
  @Test
  void nonNegativeCounts_areKeptAsTheyAre() {
    assertThat(NonNegativeCounts.project(new double[] {3, 0, 5})).containsExactly(3, 0, 5);
  }

  @Test
  void negativeBins_areZeroed_andThePositivesShrunk_soTheNoisyTotalIsKept() {
    long[] c = NonNegativeCounts.project(new double[] {100.4, -10.2, 30.1, -5.3});
    assertThat(Arrays.stream(c).sum()).isEqualTo(Math.round(100.4 - 10.2 + 30.1 - 5.3));
    assertThat(Arrays.stream(c).allMatch(v -> v >= 0)).isTrue();
    assertThat(c[1]).isZero();
    assertThat(c[3]).isZero();
    assertThat(c[0] - c[2]).isBetween(70L, 71L); // one threshold off both: the gap stays
  }

  @Test
  void aNegativeTotal_releasesNothing() {
    assertThat(NonNegativeCounts.project(new double[] {-3, 1, -2})).containsExactly(0, 0, 0);
  }
}
