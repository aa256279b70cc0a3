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
 */
public record FeatureStatisticsView(String standardize, int nodes, List<NumericColumn> numeric,
    List<CategoricalColumn> categorical, Map<String, Double> classes) {

  /** One numeric column of the sums. */
  public record NumericColumn(String name, double count, double mean, double std) {}

  /** One categorical column of the sums, categories in declared order. */
  public record CategoricalColumn(String name, Map<String, Double> counts) {}
}
