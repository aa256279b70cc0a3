package io.cohort.client.tabular;

/** How a missing cell of a feature column is filled before encoding. */
public enum Imputation {
  /** The mean of the column's present values (numeric columns only). */
  MEAN,
  /** The median of the column's present values (numeric columns only). */
  MEDIAN,
  /** The most frequent value; for numeric columns the most frequent present number. */
  MOST_FREQUENT,
  /** A fixed value given with the job: a number, or a declared category. */
  CONSTANT
}
