package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import org.junit.jupiter.api.Test;

/** {@code text.class_weight} of sequence classification jobs: balanced or a map from label to weight (issue 23 #3). */
class TextClassWeightJobFileTest {
  private static final String HEAD = """
      task: sequence_classification
      dataset: reuters
      model: {name: tiny-gpt2-reuters, sha256: b054c0e42eb19a268b7d5fe45f405c9b45819f484569eec51e52fd55d3122fee}
      """;
  private static final String DP = "privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, expected_batch_size: 16}\n";

  private static JobSpec parse(String text) throws JobFileException {
    return JobFiles.parse(HEAD + text, "job.yaml", "job-1");
  }

  @Test
  void balanced_andAMap_areResolvedInLabelOrder() throws Exception {
    assertThat(parse("text: {num_labels: 2}\n").getText().hasClassWeight()).isFalse();
    assertThat(parse("text: {class_weight: balanced}\n").getText().getClassWeight().getBalanced()).isTrue();
    assertThat(parse("text: {class_weight: {1: 8}}\n").getText().getClassWeight().getWeightsList())
        .containsExactly(1.0, 8.0);
    assertThat(parse("text: {num_labels: 3, class_weight: {'2': 0.5, 0: 2}}\n").getText().getClassWeight()
        .getWeightsList()).containsExactly(2.0, 1.0, 0.5);
  }

  @Test
  void badWeights_nameTheFieldAndWhatIsValid() {
    assertThatThrownBy(() -> parse("text: {class_weight: equal}\n")).hasMessage(
        "job.yaml: field 'text.class_weight' must be balanced or a map from class to weight, got 'equal'");
    assertThatThrownBy(() -> parse("text: {class_weight: {2: 4}}\n")).hasMessage(
        "job.yaml: field 'text.class_weight.2' names no label; valid: labels 0 to 1 (text.num_labels is 2)");
    assertThatThrownBy(() -> parse("text: {class_weight: {grain: 4}}\n")).hasMessage(
        "job.yaml: field 'text.class_weight.grain' names no label; valid: labels 0 to 1 (text.num_labels is 2)");
    assertThatThrownBy(() -> parse("text: {class_weight: {1: -2}}\n"))
        .hasMessage("job.yaml: field 'text.class_weight.1' must be a number > 0, got -2");
    assertThatThrownBy(() -> parse("text: {class_weight: [1, 8]}\n"))
        .hasMessage("job.yaml: field 'text.class_weight' must be balanced or a map from class to weight, e.g. {1: 3}");
  }

  @Test
  void balancedUnderDp_isRefused_explicitWeightsAreKept() throws Exception {
    assertThatThrownBy(() -> parse("text: {class_weight: balanced}\n" + DP)).hasMessageContaining(
        "field 'text.class_weight' is balanced, which a private job cannot use");
    assertThat(parse("text: {class_weight: {1: 5}}\n" + DP).getText().getClassWeight().getWeightsList())
        .containsExactly(1.0, 5.0);
  }

  @Test
  void shippedWeightedDpJob_isJobDpWithAWeightOnGrain() throws Exception {
    JobSpec weighted = JobFiles.parse(java.nio.file.Files.readString(
        java.nio.file.Path.of("../examples/text/job-dp-class-weight.yaml")), "w.yaml", "j");
    JobSpec dp = JobFiles.parse(java.nio.file.Files.readString(java.nio.file.Path.of("../examples/text/job-dp.yaml")),
        "d.yaml", "j");
    assertThat(weighted.getText().getClassWeight().getWeightsList()).containsExactly(1.0, 7.0);
    assertThat(weighted.toBuilder().clearName().setText(weighted.getText().toBuilder().clearClassWeight()).build())
        .isEqualTo(dp.toBuilder().clearName().build());
  }

  @Test
  void classWeight_appliesOnlyToSequenceClassification() {
    assertThatThrownBy(() -> JobFiles.parse(HEAD.replace("sequence_classification", "causal_lm")
        + "text: {class_weight: balanced}\n", "job.yaml", "j"))
        .hasMessage("job.yaml: field 'text.class_weight' applies only to task sequence_classification");
  }
}
