package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JobFilesTest {
  private static final String MINIMAL = """
      task: tabular_classification
      dataset: credit
      tabular:
        label: class
        classes: [good, bad]
        numeric: [age]
      """;

  @Test
  void shippedCreditJob_parsesWithItsSchema() throws Exception {
    String yaml = Files.readString(Path.of("../examples/credit/job.yaml"));
    JobSpec spec = JobFiles.parse(yaml, "job.yaml", "job-1");
    assertThat(spec.getJobId()).isEqualTo("job-1");
    assertThat(spec.getRounds()).isEqualTo(10);
    assertThat(spec.getTabular().getCategoricalColumnsCount()).isEqualTo(13);
    assertThat(spec.getTabular().getNumericColumnsCount()).isEqualTo(7);
    assertThat(spec.getTabular().getCategoricalColumnsList())
        .filteredOn(c -> c.getName().equals("foreign_worker"))
        .singleElement().satisfies(c -> assertThat(c.getCategoriesList()).containsExactly("no", "yes"));
  }

  @Test
  void minimalJob_getsDocumentedDefaults() throws Exception {
    JobSpec spec = JobFiles.parse(MINIMAL, "j.yaml", "job-2");
    assertThat(spec.getRounds()).isEqualTo(10);
    assertThat(spec.getMinNodes()).isEqualTo(2); // 1 with secure aggregation off
    assertThat(spec.getSecureAggregation().getEnabled()).isTrue();
    assertThat(spec.getSecureAggregation().getClip()).isEqualTo(1.0);
    assertThat(spec.getSecureAggregation().getBits()).isEqualTo(16);
    assertThat(spec.getSecureAggregation().getThreshold()).isZero(); // the recommended n - floor(n/3)
    assertThat(spec.getRoundTimeoutMs()).isEqualTo(120_000);
    assertThat(spec.getTraining().getBatchSize()).isEqualTo(32);
    assertThat(spec.getTabular().getHiddenUnitsList()).containsExactly(32);
  }

  @Test
  void secureAggregationOff_isRecordedAndAllowsOneNode() throws Exception {
    JobSpec spec = JobFiles.parse(MINIMAL + "secure_aggregation: {enabled: false}\n", "j.yaml", "x");
    assertThat(spec.getSecureAggregation().getEnabled()).isFalse();
    assertThat(spec.getMinNodes()).isEqualTo(1);
  }

  @Test
  void secureAggregationWithOneNode_isAClearJobFileError() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "min_nodes: 1\n", "j.yaml", "x"))
        .isInstanceOf(JobFileException.class)
        .hasMessageContaining("'min_nodes'")
        .hasMessageContaining("secure aggregation");
  }

  @Test
  void secureAggregationBitsThatWouldWrap_isAClearJobFileError() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "min_nodes: 4\nsecure_aggregation: {bits: 31}\n", "j.yaml", "x"))
        .isInstanceOf(JobFileException.class)
        .hasMessageContaining("secure_aggregation.bits")
        .hasMessageContaining("wrap")
        .hasMessageContaining("at most 30 bits");
  }

  @Test
  void unknownField_namesFileLineAndValidFields() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "roundz: 3\n", "j.yaml", "x"))
        .isInstanceOf(JobFileException.class)
        .hasMessageContaining("j.yaml line 7")
        .hasMessageContaining("unknown field 'roundz'")
        .hasMessageContaining("rounds");
  }

  @Test
  void unquotedYesNo_isRefusedWithAHint() {
    String yaml = MINIMAL + "  categorical:\n    phone: [yes, no]\n";
    assertThatThrownBy(() -> JobFiles.parse(yaml, "j.yaml", "x"))
        .hasMessageContaining("j.yaml line 8")
        .hasMessageContaining("tabular.categorical.phone")
        .hasMessageContaining("quote");
  }

  @Test
  void outOfRangeValues_nameTheFieldAndTheValidRange() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "rounds: 0\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'rounds' must be between 1 and 100000, got 0");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "training:\n  learning_rate: -1\n", "j.yaml", "x"))
        .hasMessageContaining("training.learning_rate").hasMessageContaining("(0, 10]");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL.replace("[good, bad]", "[good]"), "j.yaml", "x"))
        .hasMessageContaining("tabular.classes");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL.replace("[age]", "[class]"), "j.yaml", "x"))
        .hasMessageContaining("tabular.numeric").hasMessageContaining("'class'");
  }

  @Test
  void wrongTypesAndSyntax_areLocated() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "rounds: ten\n", "j.yaml", "x"))
        .hasMessageContaining("j.yaml line 7").hasMessageContaining("rounds");
    assertThatThrownBy(() -> JobFiles.parse("task: [unclosed\n", "j.yaml", "x"))
        .hasMessageContaining("j.yaml line");
    assertThatThrownBy(() -> JobFiles.parse("", "j.yaml", "x")).hasMessageContaining("empty");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL.replace("tabular_classification", "translation"), "j.yaml", "x"))
        .hasMessageContaining("field 'task'");
  }

  // --- privacy: block ---

  @Test
  void shippedDpCreditJob_carriesItsPrivacyBlock() throws Exception {
    JobSpec spec = JobFiles.parse(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml", "j");
    assertThat(spec.getPrivacy().getEnabled()).isTrue();
    assertThat(spec.getPrivacy().getTargetEpsilon()).isEqualTo(8.0);
    assertThat(spec.getPrivacy().getDelta()).isEqualTo(1e-5);
    assertThat(spec.getPrivacy().getAccountant()).isEqualTo(DpAccountant.DP_ACCOUNTANT_RDP);
    assertThat(spec.getPrivacy().getOptimizer()).isEqualTo(DpOptimizer.DP_OPTIMIZER_ADAM);
    assertThat(spec.getPrivacy().getLearningRate()).isEqualTo(0.03);
    assertThat(spec.getSecureAggregation().getEnabled()).isTrue();
  }

  @Test
  void noPrivacyBlock_meansNonPrivate() throws Exception {
    assertThat(JobFiles.parse(MINIMAL, "j.yaml", "x").getPrivacy().getEnabled()).isFalse();
  }

  @Test
  void privacyWithSigmaAndBatchSize_takesDefaults() throws Exception {
    JobSpec spec = JobFiles.parse(MINIMAL + """
        training: {local_epochs: 3}
        privacy: {noise_multiplier: 1.1, clip_norm: 0.5, expected_batch_size: 64}
        """, "j.yaml", "x");
    var p = spec.getPrivacy();
    assertThat(p.getNoiseMultiplier()).isEqualTo(1.1);
    assertThat(p.getTargetEpsilon()).isZero();
    assertThat(p.getExpectedBatchSize()).isEqualTo(64);
    assertThat(p.getLocalEpochs()).isEqualTo(3);
    assertThat(p.getOptimizer()).isEqualTo(DpOptimizer.DP_OPTIMIZER_ADAM);
  }

  @Test
  void invalidPrivacyBlock_listsEveryProblem() {
    String yaml = MINIMAL + """
        rounds: 0
        privacy:
          epsilon: -1
          delta: 1.5
          sampling_rate: 0.1
          expected_batch_size: 20
          accountant: moments
        """;
    assertThatThrownBy(() -> JobFiles.parse(yaml, "j.yaml", "x"))
        .isInstanceOf(JobFileException.class)
        .hasMessageStartingWith("j.yaml: 6 problems:")
        .hasMessageContaining("field 'rounds' must be between 1 and 100000, got 0")
        .hasMessageContaining("field 'privacy.epsilon' must be in (0, 1000], got -1.0")
        .hasMessageContaining("field 'privacy.delta' must be in (0, 1), got 1.5")
        .hasMessageContaining("field 'privacy.clip_norm' is required")
        .hasMessageContaining("'privacy.expected_batch_size' are both given")
        .hasMessageContaining("field 'privacy.accountant' must be rdp or pld, got 'moments'");
  }

  @Test
  void privacyWithoutEpsilonOrSigma_andEpsilonWithoutDelta_areNamed() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "privacy: {clip_norm: 1, sampling_rate: 0.1}\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'privacy.epsilon' is required (or give 'privacy.noise_multiplier' instead)");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "privacy: {epsilon: 3, clip_norm: 1, sampling_rate: 0.1}\n",
        "j.yaml", "x")).hasMessageContaining("field 'privacy.delta' is required");
  }
}
