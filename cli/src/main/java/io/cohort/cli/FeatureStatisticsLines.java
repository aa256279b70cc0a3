package io.cohort.cli;

import io.cohort.adminapi.FeatureStatisticsView;
import java.io.PrintStream;
import java.util.Locale;

/** Issue 23 #2: the feature statistics lines of {@code cohort job status}. */
final class FeatureStatisticsLines {
  private FeatureStatisticsLines() {}

  static void print(PrintStream out, FeatureStatisticsView v) {
    if (v == null || v.standardize() == null) {
      return;
    }
    if (!"federated".equals(v.standardize())) {
      out.println("standardize: " + v.standardize() + " (each node imputes and scales with its own training rows)");
      return;
    }
    if (v.nodes() == 0) {
      out.println("standardize: federated (the federation's feature statistics are summed before round 1)");
      return;
    }
    out.println("standardize: federated, feature statistics of " + v.nodes() + " nodes (secure sum"
        + (v.noise() == null ? "" : String.format(Locale.ROOT, " of noised releases: noise multiplier %s, epsilon %.4f"
            + " at delta %s per node, in each node's ledger", v.noise().noiseMultiplier(), v.noise().epsilon(),
            v.noise().delta())) + "):");
    for (var c : v.numeric()) {
      out.println(String.format(Locale.ROOT, "  %-16s present %8.0f  mean %12.4f  sd %12.4f", c.name(), c.count(),
          c.mean(), c.std()));
    }
    for (var c : v.categorical()) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-16s", c.name()));
      c.counts().forEach((k, n) -> sb.append(String.format(Locale.ROOT, "  %s %.0f", k, n)));
      out.println(sb);
    }
    StringBuilder classes = new StringBuilder("  classes         ");
    v.classes().forEach((k, n) -> classes.append(String.format(Locale.ROOT, "  %s %.0f", k, n)));
    out.println(classes);
  }
}
