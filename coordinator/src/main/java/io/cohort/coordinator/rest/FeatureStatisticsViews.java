package io.cohort.coordinator.rest;

import io.cohort.adminapi.FeatureStatisticsView;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Standardize;
import io.cohort.proto.v1.TabularSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Issue 23 #2: a job's federation statistics as the admin API shows them (means and spreads, not raw sums). */
final class FeatureStatisticsViews {
  private FeatureStatisticsViews() {}

  static FeatureStatisticsView of(JobSpec spec, Optional<FederationStatistics> stored) {
    TabularSpec t = spec.getTabular();
    String standardize = switch (t.getStandardize()) {
      case STANDARDIZE_FEDERATED -> "federated";
      case STANDARDIZE_NONE -> "none";
      default -> "local";
    };
    if (t.getStandardize() != Standardize.STANDARDIZE_FEDERATED || stored.isEmpty()) {
      return new FeatureStatisticsView(standardize, 0, List.of(), List.of(), Map.of());
    }
    FederationStatistics s = stored.get();
    List<FeatureStatisticsView.NumericColumn> numeric = new ArrayList<>();
    for (int j = 0; j < t.getNumericColumnsCount() && j < s.getNumericCountCount(); j++) {
      double n = s.getNumericCount(j);
      double mean = n > 0 ? s.getNumericSum(j) / n : 0;
      double std = n > 0 ? Math.sqrt(Math.max(0, s.getNumericSumOfSquares(j) / n - mean * mean)) : 0;
      numeric.add(new FeatureStatisticsView.NumericColumn(t.getNumericColumns(j), n, mean, std));
    }
    List<FeatureStatisticsView.CategoricalColumn> categorical = new ArrayList<>();
    for (int j = 0; j < t.getCategoricalColumnsCount() && j < s.getCategoryCountsCount(); j++) {
      var column = t.getCategoricalColumns(j);
      Map<String, Double> counts = new LinkedHashMap<>();
      for (int k = 0; k < column.getCategoriesCount() && k < s.getCategoryCounts(j).getCountsCount(); k++) {
        counts.put(column.getCategories(k), s.getCategoryCounts(j).getCounts(k));
      }
      categorical.add(new FeatureStatisticsView.CategoricalColumn(column.getName(), counts));
    }
    Map<String, Double> classes = new LinkedHashMap<>();
    for (int k = 0; k < t.getClassesCount() && k < s.getClassCountsCount(); k++) {
      classes.put(t.getClasses(k), s.getClassCounts(k));
    }
    return new FeatureStatisticsView(standardize.toLowerCase(Locale.ROOT), s.getNodes(), numeric, categorical, classes,
        s.getNoised() ? new FeatureStatisticsView.Noise(true, s.getNoiseMultiplier(), s.getEpsilon(), s.getDelta())
            : null);
  }
}
