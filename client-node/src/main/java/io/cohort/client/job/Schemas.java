package io.cohort.client.job;

import io.cohort.client.tabular.Imputation;
import io.cohort.client.tabular.MissingValues;
import io.cohort.client.tabular.Standardize;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.proto.v1.ColumnPreprocessing;
import io.cohort.proto.v1.TabularSpec;
import java.util.HashMap;
import java.util.Map;

/** Converts the wire's {@link TabularSpec} into the domain {@link TabularSchema}. */
public final class Schemas {
  private Schemas() {}

  /** @throws IllegalArgumentException naming the invalid field */
  public static TabularSchema fromSpec(TabularSpec t) {
    checkTask(t);
    Map<String, MissingValues> missing = new HashMap<>();
    for (ColumnPreprocessing c : t.getColumnsList()) {
      boolean numeric = t.getNumericColumnsList().contains(c.getName());
      if (missing.put(c.getName(), missingValues(c, numeric)) != null) {
        throw new IllegalArgumentException("columns lists '" + c.getName() + "' more than once");
      }
    }
    return new TabularSchema(t.getLabelColumn(), t.getClassesList(), t.getNumericColumnsList(),
        t.getCategoricalColumnsList().stream()
            .map(c -> new TabularSchema.CategoricalColumn(c.getName(), c.getCategoriesList()))
            .toList(),
        t.getHiddenUnitsList(), missing);
  }

  /** The task must agree with the classes: none for regression, 2 for binary, 3 or more for multi-class. */
  private static void checkTask(TabularSpec t) {
    int k = t.getClassesCount();
    String problem = switch (t.getTask()) {
      case TABULAR_TASK_REGRESSION -> k == 0 ? null : "a regression job lists no classes, but this one lists " + k;
      case TABULAR_TASK_BINARY -> k == 2 ? null : "a binary job lists 2 classes, but this one lists " + k;
      case TABULAR_TASK_MULTICLASS -> k >= 3 ? null : "a multi-class job lists at least 3 classes, but this one lists "
          + k;
      case TABULAR_TASK_UNSPECIFIED -> k >= 2 ? null : "classes must list at least 2 values, got " + k;
      case UNRECOGNIZED -> "its tabular task is not one this node knows (binary, multiclass or regression)";
    };
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** The job's standardisation; unspecified (older jobs) is local. */
  public static Standardize standardize(TabularSpec t) {
    return switch (t.getStandardize()) {
      case STANDARDIZE_NONE -> Standardize.NONE;
      case STANDARDIZE_FEDERATED -> Standardize.FEDERATED;
      case STANDARDIZE_LOCAL, STANDARDIZE_UNSPECIFIED, UNRECOGNIZED -> Standardize.LOCAL;
    };
  }

  /**
   * The job's class weights for training rows with {@code labels} (class indices): null when the
   * job sets none; balanced: n / (k * n_c) from these rows (a class absent here weighs 1, it adds
   * nothing to the loss anyway).
   *
   * @throws IllegalArgumentException when the job lists weights for another number of classes
   */
  public static double[] classWeights(TabularSpec t, int[] labels) {
    return t.hasClassWeight() ? classWeights(t.getClassWeight(), t.getClassesCount(), labels) : null;
  }

  /**
   * {@code weights} resolved for {@code k} classes and training rows (or records) with {@code labels}:
   * the listed weights, or balanced: n / (k * n_c) from these labels (a class absent here weighs 1).
   * Shared by tabular and text jobs.
   *
   * @throws IllegalArgumentException when the job lists weights for another number of classes
   */
  public static double[] classWeights(io.cohort.proto.v1.ClassWeight weights, int k, int[] labels) {
    if (!weights.getBalanced()) {
      if (weights.getWeightsCount() != k) {
        throw new IllegalArgumentException("class_weight lists " + weights.getWeightsCount()
            + " weights for " + k + " classes");
      }
      return weights.getWeightsList().stream().mapToDouble(Double::doubleValue).toArray();
    }
    long[] counts = new long[k];
    for (int label : labels) {
      counts[label]++;
    }
    double[] w = new double[k];
    for (int c = 0; c < k; c++) {
      w[c] = counts[c] == 0 ? 1.0 : (double) labels.length / (k * counts[c]);
    }
    return w;
  }

  private static MissingValues missingValues(ColumnPreprocessing c, boolean numeric) {
    Imputation impute = switch (c.getImpute()) {
      case IMPUTATION_MEAN -> Imputation.MEAN;
      case IMPUTATION_MEDIAN -> Imputation.MEDIAN;
      case IMPUTATION_MOST_FREQUENT -> Imputation.MOST_FREQUENT;
      case IMPUTATION_CONSTANT -> Imputation.CONSTANT;
      case IMPUTATION_UNSPECIFIED, UNRECOGNIZED -> numeric ? Imputation.MEAN : Imputation.MOST_FREQUENT;
    };
    return new MissingValues(c.getMissingValuesList(), impute, c.getFillValue(), c.getIndicator());
  }
}
