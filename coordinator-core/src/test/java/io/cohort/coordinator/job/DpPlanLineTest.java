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
}
