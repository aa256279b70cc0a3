package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Pooled federated evaluation of a round's global model; NaN metrics are absent. f1, precision and
 * recall are at threshold 0.5; best_threshold is the score that maximises F1 on the pooled
 * validation histograms, best_f1 that F1 (tuned on the data it is reported on). A multi-class job's roc_auc is
 * the macro one-vs-rest AUC; a regression job has rmse, mae and r2 (label units) instead of the classification ones.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationView(int nodes, long examples, Double loss, Double accuracy,
    @JsonProperty("roc_auc") Double rocAuc, Double f1, @JsonProperty("pr_auc") Double prAuc, Double precision,
    Double recall, @JsonProperty("best_threshold") Double bestThreshold, @JsonProperty("best_f1") Double bestF1,
    Double rmse, Double mae, Double r2) {

  public EvaluationView(int nodes, long examples, Double loss, Double accuracy, Double rocAuc, Double f1) {
    this(nodes, examples, loss, accuracy, rocAuc, f1, null, null, null, null, null);
  }

  /** A classification job's view (no regression metrics). */
  public EvaluationView(int nodes, long examples, Double loss, Double accuracy, Double rocAuc, Double f1,
      Double prAuc, Double precision, Double recall, Double bestThreshold, Double bestF1) {
    this(nodes, examples, loss, accuracy, rocAuc, f1, prAuc, precision, recall, bestThreshold, bestF1, null, null,
        null);
  }
}
