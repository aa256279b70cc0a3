package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Pooled federated evaluation of a round's global model; NaN metrics are absent. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationView(int nodes, long examples, Double loss, Double accuracy,
    @JsonProperty("roc_auc") Double rocAuc, Double f1) {}
