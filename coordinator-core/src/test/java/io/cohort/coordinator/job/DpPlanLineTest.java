package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.v1.JobSpec;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Issue 23 #7: the DP plan line printed at submission. */
class DpPlanLineTest {
  private static final String HEAD = """
      task: tabular_classification
      dataset: d
      rounds: 10
      secure_aggregation: {enabled: false}
      tabular: {label: y, classes: ['0', '1'], numeric: [x]}
      """;

  private static JobSpec parse(String privacy) throws JobFileException {
    return JobFiles.parse(HEAD + privacy, "job.yaml", "job-1");
  }

  @Test
  void fixedRate_givesQSigmaAndSteps_expectedBatchNeedsTheRows() throws Exception {
    JobSpec rate = parse("privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, sampling_rate: 1.0, local_steps: 10}\n");
    assertThat(DpPlanLine.describe(rate, OptionalLong.empty()))
        .startsWith("q 1, sigma ").contains("(for epsilon 8.0 at delta 1.0E-5), C 1.0, 10 steps per round, 100 in all");

    JobSpec batch = parse("privacy: {epsilon: 3, delta: 1.0e-5, clip_norm: 1.0, expected_batch_size: 16,"
        + " local_epochs: 2}\n");
    assertThat(DpPlanLine.describe(batch, OptionalLong.empty()))
        .startsWith("q = 16 / each node's training rows");
    assertThat(DpPlanLine.describe(batch, OptionalLong.of(400)))
        .startsWith("q 0.04, sigma ").contains("50 steps per round, 500 in all");

    assertThat(DpPlanLine.describe(parse(""), OptionalLong.empty())).as("non-private").isEmpty();
  }

  @Test
  void distributedJob_saysOneStepARound_andWhereSigmaIsResolved() throws Exception {
    JobSpec job = JobFiles.parse(HEAD.replace("secure_aggregation: {enabled: false}\n",
        "secure_aggregation: {enabled: true, threshold: 3}\n") + "privacy: {mode: distributed, epsilon: 8, delta: 1.0e-5,"
        + " clip_norm: 1.0, sampling_rate: 0.25, expected_batch_size: 200, min_honest: 2, max_nodes: 3}\n",
        "job.yaml", "job-3");
    String line = DpPlanLine.describe(job, OptionalLong.of(400));
    // Not the local mode's ceil(epochs / q) steps and sampled-Gaussian sigma, which would be wrong here.
    assertThat(line).startsWith("distributed: q 0.25 of each node's units, one DP-SGD step a round over all nodes"
        + " (10 in all), expected batch 200, sigma calibrated to epsilon 8.0 at delta 1.0E-5 with the noised"
        + " evaluations counted from the model's size").contains("C 1.0, at least 2 honest of 3 nodes")
        .doesNotContain("steps per round");
  }

  @Test
  void noisedFeatureStatistics_areNamedWithTheirCharge_andLeaveDpSgdLessOfTheTarget() throws Exception {
    String privacy = "privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, sampling_rate: 1.0, local_steps: 10}\n";
    String federated = HEAD.replace("secure_aggregation: {enabled: false}\n", "")
        .replace("numeric: [x]}", "numeric: [x], standardize: federated, columns: {x: {range: [0, 1]}}}");
    JobSpec job = JobFiles.parse(federated + privacy, "job.yaml", "job-1");
    String line = DpPlanLine.describe(job, OptionalLong.empty());
    assertThat(line).contains("feature statistics noised once before round 1 (Gaussian, noise multiplier 5 over"
        + " sensitivity 2, epsilon ").contains("charged as gaussian-statistics");
    String local = DpPlanLine.describe(JobFiles.parse(HEAD.replace("secure_aggregation: {enabled: false}\n", "")
        + privacy, "job.yaml", "job-2"), OptionalLong.empty());
    assertThat(local).doesNotContain("feature statistics");
    assertThat(sigma(line)).as("sigma is calibrated to what the statistics leave").isGreaterThan(sigma(local));
  }

  private static double sigma(String line) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("sigma ([0-9.]+)").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
