package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One completed round as a flat row of numbers ({@code GET /api/v1/jobs/ID/metrics}); NaN metrics are absent. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundMetrics(int round, int participants, int contributors,
    @JsonProperty("num_examples") long numExamples, @JsonProperty("duration_ms") long durationMs,
    @JsonProperty("eval_nodes") Integer evalNodes, @JsonProperty("eval_examples") Long evalExamples,
    Double loss, Double accuracy, @JsonProperty("roc_auc") Double rocAuc, Double f1,
    @JsonProperty("pr_auc") Double prAuc, Double precision, Double recall,
    @JsonProperty("best_threshold") Double bestThreshold, @JsonProperty("best_f1") Double bestF1, Double rmse,
    Double mae, Double r2) {}
