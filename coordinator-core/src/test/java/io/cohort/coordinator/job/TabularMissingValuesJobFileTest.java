package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.ColumnPreprocessing;
import io.cohort.proto.v1.Imputation;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Standardize;
import org.junit.jupiter.api.Test;

/** {@code tabular.missing}, {@code tabular.columns} and {@code tabular.standardize} of a job file. */
class TabularMissingValuesJobFileTest {
  private static final String HEAD = """
      task: tabular_classification
      dataset: cancer
      tabular:
        label: class
        classes: ["no", "yes"]
        numeric: [age, size]
        categorical:
          caps: ["yes", "no"]
      """;

  private static JobSpec parse(String tabularExtra) throws JobFileException {
    return JobFiles.parse(HEAD + tabularExtra, "job.yaml", "job-1");
  }

  @Test
  void everyFeatureColumn_isResolvedWithTheDefaults() throws Exception {
    JobSpec spec = parse("");
    assertThat(spec.getTabular().getColumnsList()).extracting(ColumnPreprocessing::getName)
        .containsExactly("age", "size", "caps");
    ColumnPreprocessing age = spec.getTabular().getColumns(0);
    assertThat(age.getMissingValuesList()).containsExactly("", "?", "NA", "NaN");
    assertThat(age.getImpute()).isEqualTo(Imputation.IMPUTATION_MEAN);
    assertThat(spec.getTabular().getColumns(2).getImpute()).isEqualTo(Imputation.IMPUTATION_MOST_FREQUENT);
    assertThat(spec.getTabular().getStandardize()).as("issue 23 #2: the default of a secure, non-private job")
        .isEqualTo(Standardize.STANDARDIZE_FEDERATED);
  }

  @Test
  void standardizeDefault_isLocalWhereFederatedCannotRun() throws Exception {
    assertThat(JobFiles.parse(HEAD + "secure_aggregation: {enabled: false}\nmin_nodes: 1\n", "job.yaml", "job-1")
        .getTabular().getStandardize()).as("no secure aggregation").isEqualTo(Standardize.STANDARDIZE_LOCAL);
    assertThat(parse("  columns:\n    size: {impute: median}\n").getTabular().getStandardize())
        .as("a median, which sums cannot give").isEqualTo(Standardize.STANDARDIZE_LOCAL);
    assertThat(JobFiles.parse(HEAD + "privacy: {epsilon: 3, delta: 1.0e-5, clip_norm: 1, sampling_rate: 1.0, local_steps: 2}\n",
        "job.yaml", "job-1").getTabular().getStandardize()).as("a private job").isEqualTo(Standardize.STANDARDIZE_LOCAL);
  }

  /** Issue 23 #2 under DP: every numeric column needs its public range, record level, local mode. */
  @Test
  void privateFederated_needsARangeForEveryNumericColumn_andRefusesAPersonUnit() throws Exception {
    String dp = "privacy: {epsilon: 3, delta: 1.0e-5, clip_norm: 1, sampling_rate: 1.0, local_steps: 2%s}\n";
    assertThatThrownBy(() -> JobFiles.parse(HEAD + "  standardize: federated\n  columns:\n    age: {range: [0, 120]}\n"
        + String.format(dp, ""), "job.yaml", "job-1"))
        .hasMessageContaining("field 'tabular.columns.size.range' is required: a private job with standardize federated"
            + " clamps each numeric value to its column's public range");
    JobSpec ok = JobFiles.parse(HEAD + "  standardize: federated\n  columns:\n    age: {range: [0, 120]}\n"
        + "    size: {range: [0, 50]}\n" + String.format(dp, ", statistics_noise_multiplier: 8"), "job.yaml", "job-1");
    assertThat(ok.getTabular().getStandardize()).isEqualTo(Standardize.STANDARDIZE_FEDERATED);
    assertThat(ok.getTabular().getColumns(1).getRange().getMax()).isEqualTo(50);
    assertThat(ok.getPrivacy().getStatisticsNoiseMultiplier()).isEqualTo(8);
    assertThatThrownBy(() -> JobFiles.parse(HEAD + "  standardize: federated\n  columns:\n    age: {range: [0, 120]}\n"
        + "    size: {range: [0, 50]}\n" + String.format(dp, ", unit: patient_id"), "job.yaml", "job-1"))
        .hasMessageContaining("privacy.unit is 'patient_id'");
    assertThatThrownBy(() -> parse("  columns:\n    age: {range: [5, 1]}\n"))
        .hasMessageContaining("field 'tabular.columns.age.range' must be [min, max] with min < max");
  }

  @Test
  void standardizeFederated_isRefusedWhereItCannotRun() {
    assertThatThrownBy(() -> JobFiles.parse(HEAD + "  standardize: federated\nsecure_aggregation: {enabled: false}\n"
        + "min_nodes: 1\n", "job.yaml", "job-1"))
        .hasMessageContaining("field 'tabular.standardize' is federated, which sums the nodes' statistics under secure"
            + " aggregation, but secure_aggregation.enabled is false");
    assertThatThrownBy(() -> parse("  standardize: federated\n  columns:\n    size: {impute: median}\n"))
        .hasMessageContaining("column 'size' imputes the median, which sums of statistics cannot give");
  }

  @Test
  void jobWideTokens_perColumnOverrides_andStandardize() throws Exception {
    JobSpec spec = parse("""
          missing: ["?", "-"]
          standardize: none
          columns:
            size: {missing: ["0"], impute: median, indicator: true}
            caps: {impute: constant, fill: "no"}
        """);
    assertThat(spec.getTabular().getColumns(0).getMissingValuesList()).containsExactly("?", "-");
    ColumnPreprocessing size = spec.getTabular().getColumns(1);
    assertThat(size.getMissingValuesList()).containsExactly("0");
    assertThat(size.getImpute()).isEqualTo(Imputation.IMPUTATION_MEDIAN);
    assertThat(size.getIndicator()).isTrue();
    assertThat(spec.getTabular().getColumns(2).getFillValue()).isEqualTo("no");
    assertThat(spec.getTabular().getStandardize()).isEqualTo(Standardize.STANDARDIZE_NONE);
  }

  @Test
  void badSettings_nameFileFieldAndValidValues() {
    assertThatThrownBy(() -> parse("  columns:\n    age: {impute: average}\n"))
        .hasMessage("job.yaml: field 'tabular.columns.age.impute' must be mean, median, most_frequent or constant,"
            + " got 'average'");
    assertThatThrownBy(() -> parse("  columns:\n    caps: {impute: mean}\n"))
        .hasMessageContaining("field 'tabular.columns.caps.impute' is mean, which applies to numeric columns only");
    assertThatThrownBy(() -> parse("  columns:\n    weight: {impute: mean}\n"))
        .hasMessage("job.yaml: field 'tabular.columns.weight' names no feature column; valid: age, size, caps");
    assertThatThrownBy(() -> parse("  columns:\n    caps: {impute: constant, fill: maybe}\n"))
        .hasMessage("job.yaml: field 'tabular.columns.caps.fill' must be one of the column's categories [yes, no],"
            + " got 'maybe'");
    assertThatThrownBy(() -> parse("  columns:\n    age: {impute: constant}\n"))
        .hasMessageContaining("field 'tabular.columns.age.fill' is required with impute: constant (a number)");
    assertThatThrownBy(() -> parse("  columns:\n    age: {impute: mean, fill: 3}\n"))
        .hasMessageContaining("field 'tabular.columns.age.fill' applies only with impute: constant");
    assertThatThrownBy(() -> parse("  standardize: global\n"))
        .hasMessage("job.yaml: field 'tabular.standardize' must be federated, local or none, got 'global'");
    assertThatThrownBy(() -> parse("  columns:\n    age: {imputer: mean}\n"))
        .hasMessageContaining("unknown field 'imputer'").hasMessageContaining("(valid: fill, impute, indicator, missing, range)");
  }
}
