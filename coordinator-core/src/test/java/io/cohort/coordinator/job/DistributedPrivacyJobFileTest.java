package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import org.junit.jupiter.api.Test;

/** {@code privacy.mode} in job files (issue 19 #1): defaults, the distributed terms, one-line errors. */
class DistributedPrivacyJobFileTest {
  private static final String TABULAR = """
      task: tabular_classification
      dataset: credit
      min_nodes: 2
      tabular:
        label: class
        classes: [good, bad]
        numeric: [age]
      """;

  @Test
  void localIsTheDefault_andLeavesTheSpecAsBefore() throws Exception {
    JobSpec spec = JobFiles.parse(TABULAR + "privacy: {epsilon: 1, delta: 1.0e-5, clip_norm: 1, sampling_rate: 1,"
        + " local_steps: 10}\n", "j.yaml", "x");
    assertThat(spec.getPrivacy().getMode()).isEqualTo(PrivacyMode.PRIVACY_MODE_LOCAL);
    assertThat(spec.getPrivacy().getMinHonest()).isZero();
  }

  @Test
  void distributed_carriesItsTermsWithDefaults_andOneStepPerRound() throws Exception {
    JobSpec spec = JobFiles.parse(TABULAR + "privacy: {mode: distributed, epsilon: 3, delta: 1.0e-5, clip_norm: 1,"
        + " sampling_rate: 0.5, expected_batch_size: 400}\n", "j.yaml", "x");
    assertThat(spec.getPrivacy().getMode()).isEqualTo(PrivacyMode.PRIVACY_MODE_DISTRIBUTED);
    assertThat(spec.getPrivacy().getMinHonest()).isEqualTo(2);
    assertThat(spec.getPrivacy().getMaxNodes()).isEqualTo(16);
    assertThat(spec.getPrivacy().getLocalSteps()).isEqualTo(1);
    assertThat(spec.getPrivacy().getSamplingRate()).isEqualTo(0.5);
    assertThat(spec.getPrivacy().getExpectedBatchSize()).isEqualTo(400);
  }

  @Test
  void aPersonUnit_isAccepted_inDistributedMode() throws Exception {
    JobSpec spec = JobFiles.parse(TABULAR + "privacy: {mode: distributed, unit: patient_id, epsilon: 3, delta: 1.0e-5,"
        + " clip_norm: 1, sampling_rate: 0.5, expected_batch_size: 40}\n", "j.yaml", "x");
    assertThat(spec.getPrivacy().getMode()).isEqualTo(PrivacyMode.PRIVACY_MODE_DISTRIBUTED);
    assertThat(spec.getPrivacy().getUnit()).isEqualTo("patient_id");
  }

  @Test
  void classWeights_areRefusedInDistributedMode_ratherThanDropped() throws Exception {
    String weighted = TABULAR.replace("numeric: [age]", "numeric: [age]\n  class_weight: {bad: 3}");
    String privacy = "secure_aggregation: {enabled: true}\nprivacy: {%sepsilon: 3, delta: 1.0e-5, clip_norm: 1,"
        + " sampling_rate: 1, local_steps: 1}\n";
    assertThatThrownBy(() -> JobFiles.parse(weighted + String.format(privacy, "mode: distributed, ")
        .replace(", local_steps: 1", ", expected_batch_size: 40"), "j.yaml", "x"))
        .hasMessage("j.yaml: field 'tabular.class_weight' is not applied in 'privacy.mode: distributed' yet (its"
            + " rounds clip unweighted gradients); remove it, or use privacy.mode local");
    assertThat(JobFiles.parse(weighted + String.format(privacy, ""), "j.yaml", "x").getTabular().hasClassWeight())
        .as("local mode applies them").isTrue();
  }

  @Test
  void aPersonUnit_inDistributedMode_stillRefusesWhatItRuledOutBefore_namingTheField() {
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {mode: distributed, unit: 'patient id', epsilon: 3,"
        + " delta: 1.0e-5, clip_norm: 1, sampling_rate: 0.5, expected_batch_size: 40}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'privacy.unit' must be 'record' or the column / JSON field naming the person");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {mode: distributed, unit: patient_id, epsilon: 3,"
        + " delta: 1.0e-5, clip_norm: 1, sampling_rate: 0.5, expected_batch_size: 40, local_steps: 5}\n", "j.yaml",
        "x")).hasMessageContaining("field 'privacy.local_steps' applies only to 'privacy.mode: local'");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR.replace("numeric: [age]", "numeric: [age]\n  standardize:"
        + " federated\n  columns: {age: {range: [18, 80]}}") + "secure_aggregation: {enabled: true}\nprivacy: {mode:"
        + " distributed, unit: patient_id, epsilon: 3, delta: 1.0e-5, clip_norm: 1, sampling_rate: 0.5,"
        + " expected_batch_size: 40}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'tabular.standardize' is federated, but privacy.unit is 'patient_id'");
  }

  @Test
  void theCreditExample_isValid() throws Exception {
    java.nio.file.Path file = java.nio.file.Path.of("..", "examples", "credit", "job-ddp.yaml");
    JobSpec spec = JobFiles.parse(java.nio.file.Files.readString(file), "job-ddp.yaml", "x");
    assertThat(spec.getPrivacy().getMode()).isEqualTo(PrivacyMode.PRIVACY_MODE_DISTRIBUTED);
    assertThat(spec.getSecureAggregation().getThreshold()).isEqualTo(3);
    assertThat(spec.getPrivacy().getExpectedBatchSize()).isEqualTo(800);
  }

  @Test
  void theTextExample_isValid_andOtherTextTasksAreRefused() throws Exception {
    java.nio.file.Path file = java.nio.file.Path.of("..", "examples", "text", "job-ddp.yaml");
    String yaml = java.nio.file.Files.readString(file);
    JobSpec spec = JobFiles.parse(yaml, "job-ddp.yaml", "x");
    assertThat(spec.getPrivacy().getMode()).isEqualTo(PrivacyMode.PRIVACY_MODE_DISTRIBUTED);
    assertThat(spec.getTask()).isEqualTo(io.cohort.proto.v1.TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION);
    assertThat(spec.getSecureAggregation().getThreshold()).isEqualTo(3);
    assertThatThrownBy(() -> JobFiles.parse(yaml.replace("task: sequence_classification", "task: causal_lm")
        .replace("pooling: mean, num_labels: 2", "pooling: mean"), "job-ddp.yaml", "x"))
        .hasMessageContaining("field 'privacy.mode' distributed is available for tasks tabular_classification and"
            + " sequence_classification only so far (not causal_lm or chat_sft)");
  }

  @Test
  void badTerms_nameTheField() {
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {mode: central, epsilon: 3, delta: 1.0e-5,"
        + " clip_norm: 1, sampling_rate: 1, local_steps: 1}\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.mode' must be local or distributed, got 'central'");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {mode: distributed, epsilon: 3, delta: 1.0e-5,"
        + " clip_norm: 1, sampling_rate: 1}\n", "j.yaml", "x"))
        .hasMessageStartingWith("j.yaml: field 'privacy.expected_batch_size' is required with 'privacy.mode:"
            + " distributed'");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {mode: distributed, epsilon: 3, delta: 1.0e-5,"
        + " clip_norm: 1, sampling_rate: 1, expected_batch_size: 100, min_honest: 5, max_nodes: 3}\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.min_honest' must be between 1 and privacy.max_nodes (3), got 5");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {mode: distributed, epsilon: 3, delta: 1.0e-5,"
        + " clip_norm: 1, sampling_rate: 1, expected_batch_size: 100, local_steps: 5}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'privacy.local_steps' applies only to 'privacy.mode: local'");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "secure_aggregation: {enabled: false}\nprivacy: {mode:"
        + " distributed, epsilon: 3, delta: 1.0e-5, clip_norm: 1, sampling_rate: 1, expected_batch_size: 100}\n",
        "j.yaml", "x")).hasMessageContaining("field 'secure_aggregation.enabled' must be true with 'privacy.mode:"
            + " distributed'");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {epsilon: 3, delta: 1.0e-5, clip_norm: 1,"
        + " sampling_rate: 1, local_steps: 1, min_honest: 2}\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.min_honest' applies only to 'privacy.mode: distributed'");
  }
}
