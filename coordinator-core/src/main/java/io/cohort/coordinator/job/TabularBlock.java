package io.cohort.coordinator.job;

import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.ClassWeight;
import io.cohort.proto.v1.ColumnPreprocessing;
import io.cohort.proto.v1.Imputation;
import io.cohort.proto.v1.RegressionLoss;
import io.cohort.proto.v1.Standardize;
import io.cohort.proto.v1.TabularTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates the missing-value and scaling parts of a job file's {@code tabular:} block and
 * resolves them into one {@link ColumnPreprocessing} per feature column, so that the spec every
 * node receives states the handling of each column explicitly.
 *
 * <ul>
 *   <li>{@code missing}: the tokens meaning "missing" in every feature column; default
 *       {@link #DEFAULT_MISSING} ("", "?", "NA", "NaN").
 *   <li>{@code columns.<name>}: per column {@code missing} (its own tokens), {@code impute}
 *       (mean, median, most_frequent or constant; default mean for numeric, most_frequent for
 *       categorical columns), {@code fill} (the constant) and {@code indicator} (a 0/1 input).
 *   <li>{@code standardize}: federated, local or none (see {@link #standardize}).
 * </ul>
 */
final class TabularBlock {
  static final List<String> DEFAULT_MISSING = List.of("", "?", "NA", "NaN");
  private static final String IMPUTE_VALUES = "mean, median, most_frequent or constant";

  private TabularBlock() {}

  /** One resolved entry per feature column, numeric columns first, in the file's order. */
  static List<ColumnPreprocessing> columns(JobFile.Tabular t, List<String> numeric,
      List<CategoricalColumn> categorical, List<String> problems) {
    List<String> defaults = tokens(t.missing(), "tabular.missing", problems);
    Map<String, JobFile.Column> given = t.columns() == null ? Map.of() : t.columns();
    List<String> features = new ArrayList<>(numeric);
    categorical.forEach(c -> features.add(c.getName()));
    for (String name : given.keySet()) {
      if (!features.contains(name)) {
        problems.add("field 'tabular.columns." + name + "' names no feature column; valid: "
            + String.join(", ", features));
      }
    }
    List<ColumnPreprocessing> out = new ArrayList<>();
    for (String name : numeric) {
      out.add(column(name, given.get(name), defaults, true, List.of(), problems));
    }
    for (CategoricalColumn c : categorical) {
      out.add(column(c.getName(), given.get(c.getName()), defaults, false, c.getCategoriesList(), problems));
    }
    return out;
  }

  private static ColumnPreprocessing column(String name, JobFile.Column c, List<String> defaultTokens,
      boolean numeric, List<String> categories, List<String> problems) {
    String field = "tabular.columns." + name;
    JobFile.Column col = c == null ? new JobFile.Column(null, null, null, null, null) : c;
    ColumnPreprocessing.Builder b = ColumnPreprocessing.newBuilder().setName(name)
        .addAllMissingValues(col.missing() == null ? defaultTokens : tokens(col.missing(), field + ".missing", problems))
        .setIndicator(Boolean.TRUE.equals(col.indicator()));
    Imputation impute = impute(col.impute(), numeric, field, problems);
    b.setImpute(impute);
    String fill = col.fill() == null ? null : String.valueOf(col.fill()).strip();
    if (impute == Imputation.IMPUTATION_CONSTANT) {
      if (fill == null) {
        problems.add("field '" + field + ".fill' is required with impute: constant ("
            + (numeric ? "a number" : "one of " + categories) + ")");
      } else if (numeric && !isNumber(fill)) {
        problems.add("field '" + field + ".fill' must be a number for numeric column '" + name + "', got '" + fill + "'");
      } else if (!numeric && !categories.contains(fill)) {
        problems.add("field '" + field + ".fill' must be one of the column's categories " + categories + ", got '"
            + fill + "'");
      } else {
        b.setFillValue(fill);
      }
    } else if (fill != null) {
      problems.add("field '" + field + ".fill' applies only with impute: constant");
    }
    if (col.range() != null) {
      List<Double> r = col.range();
      if (!numeric) {
        problems.add("field '" + field + ".range' applies to numeric columns only");
      } else if (r.size() != 2 || r.get(0) == null || r.get(1) == null || !Double.isFinite(r.get(0))
          || !Double.isFinite(r.get(1)) || !(r.get(0) < r.get(1))) {
        problems.add("field '" + field + ".range' must be [min, max] with min < max, both finite numbers, got " + r);
      } else {
        b.setRange(io.cohort.proto.v1.NumericRange.newBuilder().setMin(r.get(0)).setMax(r.get(1)));
      }
    }
    return b.build();
  }

  private static Imputation impute(String given, boolean numeric, String field, List<String> problems) {
    if (given == null) {
      return numeric ? Imputation.IMPUTATION_MEAN : Imputation.IMPUTATION_MOST_FREQUENT;
    }
    Imputation i = switch (given.strip().toLowerCase(Locale.ROOT)) {
      case "mean" -> Imputation.IMPUTATION_MEAN;
      case "median" -> Imputation.IMPUTATION_MEDIAN;
      case "most_frequent" -> Imputation.IMPUTATION_MOST_FREQUENT;
      case "constant" -> Imputation.IMPUTATION_CONSTANT;
      default -> null;
    };
    if (i == null) {
      problems.add("field '" + field + ".impute' must be " + IMPUTE_VALUES + ", got '" + given + "'");
      return Imputation.IMPUTATION_UNSPECIFIED;
    }
    if (!numeric && (i == Imputation.IMPUTATION_MEAN || i == Imputation.IMPUTATION_MEDIAN)) {
      problems.add("field '" + field + ".impute' is " + given.strip() + ", which applies to numeric columns only;"
          + " a categorical column takes most_frequent or constant");
    }
    return i;
  }

  private static List<String> tokens(List<String> given, String field, List<String> problems) {
    if (given == null) {
      return DEFAULT_MISSING;
    }
    List<String> out = new ArrayList<>();
    for (String token : given) {
      if (token == null) {
        problems.add("field '" + field + "' lists a null entry; quote an empty token as \"\"");
      } else if (!out.contains(token.strip())) {
        out.add(token.strip());
      }
    }
    return out;
  }

  /**
   * {@code tabular.task}: binary, multiclass or regression; absent: multiclass with 3 or more classes, else binary
   * (as before the field existed; a regression is never inferred from a forgotten classes list). Null when the
   * value is none of these.
   */
  static TabularTask task(String given, List<String> classes) {
    if (given == null) {
      return classes.size() >= 3 ? TabularTask.TABULAR_TASK_MULTICLASS : TabularTask.TABULAR_TASK_BINARY;
    }
    return switch (given.strip().toLowerCase(Locale.ROOT)) {
      case "binary" -> TabularTask.TABULAR_TASK_BINARY;
      case "multiclass", "multi-class" -> TabularTask.TABULAR_TASK_MULTICLASS;
      case "regression" -> TabularTask.TABULAR_TASK_REGRESSION;
      default -> null;
    };
  }

  /**
   * {@code tabular.loss}: a regression's mse (the default) or mae; for classification only absent is valid.
   * Null when the value does not apply.
   */
  static RegressionLoss regressionLoss(String given, TabularTask task) {
    if (task != TabularTask.TABULAR_TASK_REGRESSION) {
      return given == null ? RegressionLoss.REGRESSION_LOSS_UNSPECIFIED : null;
    }
    if (given == null) {
      return RegressionLoss.REGRESSION_LOSS_MSE;
    }
    return switch (given.strip().toLowerCase(Locale.ROOT)) {
      case "mse" -> RegressionLoss.REGRESSION_LOSS_MSE;
      case "mae" -> RegressionLoss.REGRESSION_LOSS_MAE;
      default -> null;
    };
  }

  /**
   * {@code tabular.standardize}: federated, local or none. Unset, it is federated where that can run
   * (issue 23 #2: secure aggregation on, a non-private job, no column imputing the median, which sums
   * cannot give) and local otherwise. A private job may ask for federated: its statistics are then noised
   * (see {@link #privateFederated}).
   */
  static Standardize standardize(String given, boolean secure, JobFile.Privacy privacy, List<String> numeric,
      List<ColumnPreprocessing> columns, List<String> problems) {
    boolean privateJob = privacy != null;
    String medianColumn = columns.stream().filter(c -> c.getImpute() == Imputation.IMPUTATION_MEDIAN)
        .map(ColumnPreprocessing::getName).findFirst().orElse(null);
    if (given == null) {
      return secure && !privateJob && medianColumn == null ? Standardize.STANDARDIZE_FEDERATED
          : Standardize.STANDARDIZE_LOCAL;
    }
    return switch (given.strip().toLowerCase(Locale.ROOT)) {
      case "local" -> Standardize.STANDARDIZE_LOCAL;
      case "none" -> Standardize.STANDARDIZE_NONE;
      case "federated" -> {
        if (!secure) {
          problems.add("field 'tabular.standardize' is federated, which sums the nodes' statistics under secure"
              + " aggregation, but secure_aggregation.enabled is false; turn it on or use local");
        } else if (privateJob) {
          privateFederated(privacy, numeric, columns, problems);
        }
        if (secure && medianColumn != null) {
          problems.add("field 'tabular.standardize' is federated, but column '" + medianColumn + "' imputes the"
              + " median, which sums of statistics cannot give; use impute: mean or standardize: local");
        }
        yield Standardize.STANDARDIZE_FEDERATED;
      }
      default -> {
        problems.add("field 'tabular.standardize' must be federated, local or none, got '" + given + "'");
        yield Standardize.STANDARDIZE_LOCAL;
      }
    };
  }

  /**
   * Issue 23 #2 under DP: a private job's federated statistics are clamped to each numeric column's
   * declared {@code range} and noised per record, so every numeric column needs one, the privacy unit must be
   * a record and the mode local.
   */
  private static void privateFederated(JobFile.Privacy privacy, List<String> numeric,
      List<ColumnPreprocessing> columns, List<String> problems) {
    if (privacy.unit() != null && !privacy.unit().strip().equals("record")) {
      problems.add("field 'tabular.standardize' is federated, but privacy.unit is '" + privacy.unit().strip()
          + "': the noised statistics bound one row, not one person's rows; use standardize: local");
    }
    if (privacy.mode() != null && privacy.mode().strip().equalsIgnoreCase("distributed")) {
      problems.add("field 'tabular.standardize' is federated, which privacy.mode distributed does not support (its"
          + " sigma is calibrated for training alone); use standardize: local");
    }
    List<String> without = columns.stream().filter(c -> numeric.contains(c.getName()) && !c.hasRange())
        .map(ColumnPreprocessing::getName).toList();
    if (!without.isEmpty()) {
      problems.add("field 'tabular.columns." + without.get(0) + ".range' is required: a private job with standardize"
          + " federated clamps each numeric value to its column's public range, e.g. " + without.get(0)
          + ": {range: [0, 200]} (missing for " + String.join(", ", without) + ")");
    }
  }

  /**
   * {@code tabular.class_weight}: {@code balanced}, or a map from class to a weight > 0 (classes not
   * named weigh 1); absent: all 1.
   */
  static ClassWeight classWeight(Object given, List<String> classes, List<String> problems) {
    return classWeight(given, "tabular.class_weight", classes, problems);
  }

  /**
   * A {@code class_weight} field at {@code field} (e.g. {@code text.class_weight}, whose classes are the
   * labels "0", "1", ...): {@code balanced}, or a map from class to a weight > 0; problems name the field.
   */
  static ClassWeight classWeight(Object given, String field, List<String> classes, List<String> problems) {
    if (given == null) {
      return null;
    }
    if (given instanceof String s) {
      if (s.strip().equals("balanced")) {
        return ClassWeight.newBuilder().setBalanced(true).build();
      }
      problems.add("field '" + field + "' must be balanced or a map from class to weight, got '" + s + "'");
      return null;
    }
    if (!(given instanceof Map<?, ?> map)) {
      problems.add("field '" + field + "' must be balanced or a map from class to weight, e.g. {"
          + classes.get(classes.size() - 1) + ": 3}");
      return null;
    }
    double[] weights = new double[classes.size()];
    java.util.Arrays.fill(weights, 1.0);
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String label = String.valueOf(e.getKey());
      int c = classes.indexOf(label);
      if (c < 0) {
        problems.add("field '" + field + "." + label + "' names no class; valid: " + String.join(", ", classes));
        continue;
      }
      if (!(e.getValue() instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
        problems.add("field '" + field + "." + label + "' must be a number > 0, got " + e.getValue());
        continue;
      }
      weights[c] = n.doubleValue();
    }
    ClassWeight.Builder b = ClassWeight.newBuilder();
    for (double w : weights) {
      b.addWeights(w);
    }
    return b.build();
  }

  private static boolean isNumber(String s) {
    return s.matches("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  }
}
