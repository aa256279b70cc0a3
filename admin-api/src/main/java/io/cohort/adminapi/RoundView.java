package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One completed round with its participants, model hash and federated evaluation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundView(int round, int attempt, List<String> participants, List<String> contributors,
    @JsonProperty("num_examples") long numExamples, @JsonProperty("model_sha256") String modelSha256,
    @JsonProperty("duration_ms") long durationMs, EvaluationView evaluation) {}
