package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.round.SecAggSettings;
import io.cohort.crypto.secagg.MaskingGraph;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.MaskingGraphKind;
import org.junit.jupiter.api.Test;

/** {@code secure_aggregation.graph} and {@code .degree}: parsing, validation and the round's parameters. */
class SecureAggregationGraphJobTest {
  private static final String JOB = """
      task: tabular_classification
      dataset: credit
      tabular:
        label: class
        classes: [good, bad]
        numeric: [age]
      """;

  @Test
  void defaultIsTheCompleteGraph() throws Exception {
    JobSpec spec = JobFiles.parse(JOB, "j.yaml", "x");
    assertThat(spec.getSecureAggregation().getGraph()).isEqualTo(MaskingGraphKind.MASKING_GRAPH_KIND_COMPLETE);
    SecAggParameters p = SecAggSettings.parameters(spec, 100, 10);
    assertThat(p.graph()).isEqualTo(MaskingGraph.Kind.COMPLETE);
    assertThat(p.threshold()).isEqualTo(67);
    assertThat(SecAggSettings.describe(spec, 100)).isEqualTo("ON (67 of 100)");
  }

  @Test
  void kRegular_withTheRecommendedDegree_resolvesKAndTForTheRound() throws Exception {
    JobSpec spec = JobFiles.parse(JOB + "secure_aggregation: {graph: k-regular}\n", "j.yaml", "x");
    assertThat(spec.getSecureAggregation().getGraph()).isEqualTo(MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR);
    SecAggParameters p = SecAggSettings.parameters(spec, 100, 10);
    assertThat(p.graph()).isEqualTo(MaskingGraph.Kind.K_REGULAR);
    assertThat(p.degree()).isEqualTo(28);
    assertThat(p.threshold()).isEqualTo(20); // 29 - floor(29 / 3)
    assertThat(p.consistencyThreshold()).isEqualTo(51);
    assertThat(SecAggSettings.describe(spec, 100)).isEqualTo("ON (SecAgg+ k=28, t=20 of 100)");
    // A small round: the recommendation covers everyone, which is the complete graph; t = 3 - 1
    // tolerates one dropout (issue 22 #5).
    SecAggParameters small = SecAggSettings.parameters(spec, 3, 10);
    assertThat(small.threshold()).isEqualTo(2);
  }

  @Test
  void kRegular_withAnExplicitDegreeAndThreshold() throws Exception {
    JobSpec spec = JobFiles.parse(JOB + "secure_aggregation: {graph: k-regular, degree: 10, threshold: 7}\n", "j.yaml",
        "x");
    SecAggParameters p = SecAggSettings.parameters(spec, 60, 10);
    assertThat(p.degree()).isEqualTo(10);
    assertThat(p.threshold()).isEqualTo(7);
  }

  @Test
  void badGraphSettings_nameTheFieldAndWhatIsValid() {
    assertThatThrownBy(() -> JobFiles.parse(JOB + "secure_aggregation: {graph: sparse}\n", "j.yaml", "x"))
        .isInstanceOf(JobFileException.class).hasMessageContaining("secure_aggregation.graph")
        .hasMessageContaining("complete or k-regular").hasMessageContaining("sparse");
    assertThatThrownBy(() -> JobFiles.parse(JOB + "secure_aggregation: {graph: k-regular, degree: 7}\n", "j.yaml", "x"))
        .isInstanceOf(JobFileException.class).hasMessageContaining("secure_aggregation.degree")
        .hasMessageContaining("even");
    assertThatThrownBy(() -> JobFiles.parse(JOB + "secure_aggregation: {degree: 8}\n", "j.yaml", "x"))
        .isInstanceOf(JobFileException.class).hasMessageContaining("secure_aggregation.degree")
        .hasMessageContaining("only with graph: k-regular");
    assertThatThrownBy(() -> JobFiles.parse(JOB + "secure_aggregation: {graph: k-regular, degree: 8, threshold: 10}\n",
        "j.yaml", "x"))
        .isInstanceOf(JobFileException.class).hasMessageContaining("secure_aggregation.threshold")
        .hasMessageContaining("at most degree + 1 = 9");
  }
}
