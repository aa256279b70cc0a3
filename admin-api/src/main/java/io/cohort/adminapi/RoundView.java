package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One completed round with its participants, model hash and federated evaluation; {@code node_evaluations} is
 * each node's own metrics in that evaluation (absent where none are kept: see {@link JobDetail#nodeMetrics()}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundView(int round, int attempt, List<String> participants, List<String> contributors,
    @JsonProperty("num_examples") long numExamples, @JsonProperty("model_sha256") String modelSha256,
    @JsonProperty("duration_ms") long durationMs, EvaluationView evaluation,
    @JsonProperty("node_evaluations") List<NodeEvaluationView> nodeEvaluations) {

  public RoundView(int round, int attempt, List<String> participants, List<String> contributors, long numExamples,
      String modelSha256, long durationMs, EvaluationView evaluation) {
    this(round, attempt, participants, contributors, numExamples, modelSha256, durationMs, evaluation, null);
  }
}
