package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import org.junit.jupiter.api.Test;

/** Issue 19: privacy.unit, privacy.public_validation and privacy.evaluation_noise_multiplier in a job file. */
class PrivacyUnitsJobFileTest {
  private static final String MINIMAL = """
      name: units
      task: tabular_classification
      dataset: credit
      rounds: 2
      min_nodes: 2
      tabular: {label: y, classes: [good, bad], numeric: [x]}
      """;

  @Test
  void aUnitColumn_andTheDefaultEvaluationNoise_goIntoTheTerms() throws Exception {
    JobSpec spec = JobFiles.parse(MINIMAL
        + "privacy: {epsilon: 3, delta: 1e-5, clip_norm: 1, sampling_rate: 0.1, unit: customer_id}\n", "j.yaml", "x");
    assertThat(spec.getPrivacy().getUnit()).isEqualTo("customer_id");
    assertThat(spec.getPrivacy().getPublicValidation()).isFalse();
    assertThat(spec.getPrivacy().getEvaluationNoiseMultiplier()).isEqualTo(PrivacyBlock.DEFAULT_EVALUATION_NOISE);
  }

  @Test
  void recordLevel_isTheDefault_andPublicValidationCarriesNoNoise() throws Exception {
    JobSpec spec = JobFiles.parse(MINIMAL + "privacy: {epsilon: 3, delta: 1e-5, clip_norm: 1, sampling_rate: 0.1,"
        + " unit: record, public_validation: true}\n", "j.yaml", "x");
    assertThat(spec.getPrivacy().getUnit()).isEmpty();
    assertThat(spec.getPrivacy().getPublicValidation()).isTrue();
    assertThat(spec.getPrivacy().getEvaluationNoiseMultiplier()).isZero();
  }

  @Test
  void badUnitAndNoiseSettings_areNamed() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "privacy: {epsilon: 3, delta: 1e-5, clip_norm: 1,"
        + " sampling_rate: 0.1, unit: 'patient id', evaluation_noise_multiplier: -2}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'privacy.unit' must be 'record' or the column")
        .hasMessageContaining("field 'privacy.evaluation_noise_multiplier' must be in (0, 10000], got -2.0");
  }
}
