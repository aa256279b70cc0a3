package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import org.junit.jupiter.api.Test;

/** {@code privacy.audit:} in job files: defaults, the no-DP form, and one-line errors naming the field. */
class PrivacyAuditBlockTest {
  private static final String TABULAR = """
      task: tabular_classification
      dataset: credit
      tabular:
        label: class
        classes: [good, bad]
        numeric: [age]
      """;
  private static final String DP = "privacy: {epsilon: 1, delta: 1.0e-5, clip_norm: 1, sampling_rate: 1,"
      + " local_steps: 10, audit: %s}\n";

  @Test
  void dpJob_carriesCanariesAndDefaultGuesses() throws Exception {
    JobSpec spec = JobFiles.parse(TABULAR + DP.formatted("{canaries: 1000}"), "j.yaml", "x");
    assertThat(spec.getPrivacy().hasAudit()).isTrue();
    assertThat(spec.getPrivacy().getAudit().getCanaries()).isEqualTo(1000);
    assertThat(spec.getPrivacy().getAudit().getGuesses()).isEqualTo(500);
    assertThat(spec.getPrivacy().getAudit().getDelta()).isZero(); // the job's delta applies
  }

  @Test
  void jobWithoutDp_mayBeAudited_withDefaultDelta() throws Exception {
    JobSpec spec = JobFiles.parse(TABULAR + "privacy: {enabled: false, audit: {canaries: 200, guesses: 50}}\n",
        "j.yaml", "x");
    assertThat(spec.getPrivacy().getEnabled()).isFalse();
    assertThat(spec.getPrivacy().getAudit().getCanaries()).isEqualTo(200);
    assertThat(spec.getPrivacy().getAudit().getGuesses()).isEqualTo(50);
    assertThat(spec.getPrivacy().getAudit().getDelta()).isEqualTo(1e-5);
  }

  /** Text (LoRA) jobs are audited too: gradient canaries on the adapter's and head's coordinates. */
  @Test
  void textJob_mayBeAudited() throws Exception {
    String yaml = java.nio.file.Files.readString(java.nio.file.Path.of("..", "examples", "text", "job-dp.yaml"))
        + "  audit: {canaries: 500}\n";
    JobSpec spec = JobFiles.parse(yaml, "job-dp.yaml", "x");
    assertThat(spec.getPrivacy().getAudit().getCanaries()).isEqualTo(500);
    assertThat(spec.getPrivacy().getAudit().getGuesses()).isEqualTo(250);
  }

  @Test
  void noAuditBlock_meansNoAudit() throws Exception {
    assertThat(JobFiles.parse(TABULAR, "j.yaml", "x").getPrivacy().hasAudit()).isFalse();
  }

  @Test
  void badValues_nameTheField() {
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + DP.formatted("{canaries: 0}"), "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.audit.canaries' must be between 1 and 1000000, got 0");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + DP.formatted("{guesses: 10}"), "j.yaml", "x"))
        .hasMessageStartingWith("j.yaml: field 'privacy.audit.canaries' is required");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + DP.formatted("{canaries: 10, guesses: 11}"), "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.audit.guesses' must be between 1 and audit.canaries (10), got 11");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + DP.formatted("{canaries: 10, delta: 0.1}"), "j.yaml", "x"))
        .hasMessageContaining("field 'privacy.audit.delta' applies only to a job without DP");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + "privacy: {noise_multiplier: 1, clip_norm: 1, sampling_rate: 1,"
        + " audit: {canaries: 10}}\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.delta' is required with 'privacy.audit': the audit's bound is stated at"
            + " the job's delta");
    assertThatThrownBy(() -> JobFiles.parse(TABULAR + DP.formatted("{canaries: 10, coins: 3}"), "j.yaml", "x"))
        .hasMessageContaining("coins");
  }
}
