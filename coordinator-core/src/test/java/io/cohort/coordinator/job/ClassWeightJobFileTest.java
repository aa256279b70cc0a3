package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import org.junit.jupiter.api.Test;

/** {@code tabular.class_weight}: balanced or a map from class to weight (issue 23 #3). */
class ClassWeightJobFileTest {
  private static final String HEAD = """
      task: tabular_classification
      dataset: d
      tabular:
        label: y
        classes: [neg, pos, maybe]
        numeric: [x]
      """;

  private static JobSpec parse(String extra) throws JobFileException {
    return JobFiles.parse(HEAD + extra, "job.yaml", "job-1");
  }

  @Test
  void balanced_andAMap_areResolvedInClassOrder() throws Exception {
    assertThat(parse("").getTabular().hasClassWeight()).isFalse();
    assertThat(parse("  class_weight: balanced\n").getTabular().getClassWeight().getBalanced()).isTrue();
    assertThat(parse("  class_weight: {pos: 4, maybe: 0.5}\n").getTabular().getClassWeight().getWeightsList())
        .containsExactly(1.0, 4.0, 0.5);
  }

  @Test
  void badWeights_nameTheFieldAndWhatIsValid() {
    assertThatThrownBy(() -> parse("  class_weight: equal\n")).hasMessage(
        "job.yaml: field 'tabular.class_weight' must be balanced or a map from class to weight, got 'equal'");
    assertThatThrownBy(() -> parse("  class_weight: {positive: 4}\n"))
        .hasMessage("job.yaml: field 'tabular.class_weight.positive' names no class; valid: neg, pos, maybe");
    assertThatThrownBy(() -> parse("  class_weight: {pos: 0}\n"))
        .hasMessage("job.yaml: field 'tabular.class_weight.pos' must be a number > 0, got 0");
    assertThatThrownBy(() -> parse("  class_weight: balanced\nsecure_aggregation: {enabled: false}\n"
        + "privacy: {epsilon: 3, delta: 1e-5, clip_norm: 1, expected_batch_size: 8}\n"))
        .hasMessageContaining("field 'tabular.class_weight' is balanced, which a private job cannot use");
  }

  @Test
  void explicitWeights_areAcceptedUnderDp() throws Exception {
    var spec = parse("  class_weight: {pos: 3}\nsecure_aggregation: {enabled: false}\n"
        + "privacy: {epsilon: 3, delta: 1e-5, clip_norm: 1, expected_batch_size: 8}\n");
    assertThat(spec.getTabular().getClassWeight().getWeightsList()).containsExactly(1.0, 3.0, 1.0);
  }
}
