package io.cohort.client.tabular;

/** Where the scaling of numeric columns comes from. */
public enum Standardize {
  /** Mean and population standard deviation of the node's own training rows. */
  LOCAL,
  /** No scaling: numeric values enter the model as they are (after imputation). */
  NONE,
  /**
   * Issue 23 #2: mean and standard deviation of the federation's training rows, from the summed
   * statistics ({@link FeatureEncoder#fromStatistics}). Fitting on rows (before the statistics are
   * known, or on pooled rows centrally) scales as {@link #LOCAL} does.
   */
  FEDERATED
}
