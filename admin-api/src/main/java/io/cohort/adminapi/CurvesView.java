package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code GET /api/v1/jobs/ID/curves}: the ROC and precision–recall curves of one round's pooled evaluation,
 * from the pooled score histograms (issue 23 #7); {@code bins} is their number. Each point is the classifier that
 * calls positive every example scoring at or above {@code threshold}. {@code roc_auc} is the ROC curve's
 * trapezoid area and {@code pr_auc} the PR curve's step area (average precision): the round's reported AUCs.
 */
public record CurvesView(int round, int bins, @JsonProperty("roc_auc") Double rocAuc,
    @JsonProperty("pr_auc") Double prAuc, long positives, long negatives, List<RocPoint> roc,
    @JsonProperty("precision_recall") List<PrPoint> precisionRecall) {

  /** False and true positive rates at {@code threshold}. */
  public record RocPoint(double threshold, double fpr, double tpr) {}

  /** Recall and precision at {@code threshold}. */
  public record PrPoint(double threshold, double recall, double precision) {}
}
