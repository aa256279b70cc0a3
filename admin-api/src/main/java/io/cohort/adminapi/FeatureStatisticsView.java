package io.cohort.adminapi;

import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/jobs/ID/statistics} (issue 23 #2): the feature statistics every node of a tabular
 * job imputes and scales with. With {@code standardize} federated they are the federation's, summed
 * under secure aggregation before round 1 ({@code nodes} &gt; 0 once known); otherwise each node uses
 * its own rows and the lists are empty.
 *
 * @param standardize federated, local or none
 * @param nodes how many nodes' statistics are in the sums; 0 while unknown
 * @param numeric per numeric column: present values, their mean and population standard deviation
 * @param categorical per categorical column: the count of each category
 * @param classes rows per class
 * @param noise under DP (a private job): how each node noised its statistics and what that cost it; the
 *     statistics above are then noisy sums after post-processing; null otherwise
 */
public record FeatureStatisticsView(String standardize, int nodes, List<NumericColumn> numeric,
    List<CategoricalColumn> categorical, Map<String, Double> classes,
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    Noise noise) {

  /** Statistics that are not noised. */
  public FeatureStatisticsView(String standardize, int nodes, List<NumericColumn> numeric,
      List<CategoricalColumn> categorical, Map<String, Double> classes) {
    this(standardize, nodes, numeric, categorical, classes, null);
  }

  /**
   * Issue 23 #2 under DP: each node clamped its values to the columns' public ranges and added Gaussian noise
   * with this noise multiplier before masking; one node's release costs {@code epsilon} at {@code delta} alone
   * (its ledger composes it with training and evaluation as mechanism gaussian-statistics).
   */
  public record Noise(boolean noised, @com.fasterxml.jackson.annotation.JsonProperty("noise_multiplier")
      double noiseMultiplier, double epsilon, double delta) {}

  /** One numeric column of the sums. */
  public record NumericColumn(String name, double count, double mean, double std) {}

  /** One categorical column of the sums, categories in declared order. */
  public record CategoricalColumn(String name, Map<String, Double> counts) {}
}
