package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.MaskingGraphKind;
import io.cohort.proto.v1.SecureAggregationSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 22 #5: the default secure-aggregation threshold tolerates ⌊n/3⌋ dropouts and stays above n/2. */
class SecAggSettingsTest {
  private static JobSpec spec(SecureAggregationSpec.Builder sa) {
    return JobSpec.newBuilder().setJobId("job-1").setMinNodes(2)
        .setSecureAggregation(sa.setEnabled(true).setClip(1.0).setBits(16).setMaxExamples(10_000)).build();
  }

  // Issue 22 #5: with t = floor(2n/3) + 1 the default for n = 3 was 3, so one dropout failed the round.
  @ParameterizedTest(name = "n = {0}: t = {1}")
  @CsvSource({"3, 2", "4, 3", "10, 7", "50, 34"})
  void defaultThresholdToleratesAThirdOfTheNodesDroppingOut(int n, int expected) throws Exception {
    JobSpec spec = spec(SecureAggregationSpec.newBuilder());
    int t = SecAggSettings.threshold(spec, n);
    assertThat(t).isEqualTo(expected);
    assertThat(n - t).as("dropouts tolerated for n = %d", n).isGreaterThanOrEqualTo(Math.max(1, n / 3));
    assertThat(2 * t).as("t > n/2 for n = %d", n).isGreaterThan(n);
    SecAggParameters p = SecAggSettings.parameters(spec, n, 8); // the library accepts it
    assertThat(p.threshold()).isEqualTo(expected);
    assertThat(SecAggSettings.describe(spec, n)).isEqualTo("ON (" + expected + " of " + n + ")");
  }

  // Issue 22 #10: the jobs list (no round yet, n unknown) showed the raw formula.
  @Test
  void withNUnknown_theThresholdReadsAsWords() {
    assertThat(SecAggSettings.describe(spec(SecureAggregationSpec.newBuilder()), 0))
        .isEqualTo("ON (tolerates a third of the nodes dropping out)").doesNotContain("floor");
    assertThat(SecAggSettings.describe(spec(SecureAggregationSpec.newBuilder().setThreshold(4)), 0))
        .isEqualTo("ON (needs 4 nodes to the end of each round)");
  }

  @Test
  void defaultThresholdIsSoundForEveryCohortSize() throws Exception {
    for (int n = 2; n <= 300; n++) {
      int t = SecAggSettings.threshold(spec(SecureAggregationSpec.newBuilder()), n);
      assertThat(t).as("n = %d", n).isBetween(2, n);
      assertThat(2 * t).as("t > n/2 for n = %d", n).isGreaterThan(n);
      assertThat(n - t).as("tolerates floor(n/3) dropouts for n = %d", n).isEqualTo(n / 3);
      SecAggSettings.parameters(spec(SecureAggregationSpec.newBuilder()), n, 4);
    }
  }

  @Test
  void kRegularDefaultCountsWithinTheNeighbourhoodAndTheLibraryAcceptsIt() throws Exception {
    JobSpec spec = spec(SecureAggregationSpec.newBuilder().setGraph(MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR)
        .setDegree(4));
    // 5 holders (k' = 4, plus the node itself): t = 5 - 1 = 4.
    assertThat(SecAggSettings.threshold(spec, 50)).isEqualTo(4);
    assertThat(SecAggSettings.parameters(spec, 50, 8).threshold()).isEqualTo(4);
  }

  @Test
  void anExplicitThresholdIsKept() {
    assertThat(SecAggSettings.threshold(spec(SecureAggregationSpec.newBuilder().setThreshold(3)), 3)).isEqualTo(3);
  }
}
