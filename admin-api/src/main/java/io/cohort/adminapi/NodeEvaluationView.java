package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One node's own evaluation of a round's global model on its validation split (issue 23 #7), from the result it
 * sent to the round's pooled evaluation; NaN metrics are absent. {@code released} is "exact" (no DP, or public
 * validation data) or "noised": the node added DP noise before the result left it and charged that to its ledger
 * as an evaluation entry, so these numbers are a noisy release of it, not its exact metrics.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeEvaluationView(@JsonProperty("node_id") String nodeId, long examples, Double loss, Double accuracy,
    @JsonProperty("roc_auc") Double rocAuc, @JsonProperty("pr_auc") Double prAuc, Double f1, Double rmse, Double mae,
    Double r2, String released) {}
