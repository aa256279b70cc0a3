package io.cohort.client.tabular;

/** Where the scaling of numeric columns comes from. */
public enum Standardize {
  /** Mean and population standard deviation of the node's own training rows. */
  LOCAL,
  /** No scaling: numeric values enter the model as they are (after imputation). */
  NONE
}
