package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.adminapi.FeatureStatisticsView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 23 #2: what {@code cohort job status} prints about a job's feature statistics. */
class FeatureStatisticsLinesTest {
  private static String print(FeatureStatisticsView v) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    FeatureStatisticsLines.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), v);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void federatedStatistics_areShownPerColumn_otherSettingsInOneLine() {
    Map<String, Double> classes = new LinkedHashMap<>();
    classes.put("no", 500.0);
    classes.put("yes", 268.0);
    String out = print(new FeatureStatisticsView("federated", 3,
        List.of(new FeatureStatisticsView.NumericColumn("plas", 610, 121.5, 30.25)),
        List.of(new FeatureStatisticsView.CategoricalColumn("c", Map.of("u", 7.0))), classes));
    assertThat(out).contains("standardize: federated, feature statistics of 3 nodes (secure sum):")
        .contains("plas").contains("present      610  mean     121.5000  sd      30.2500")
        .contains("u 7").contains("classes").contains("no 500  yes 268");
    assertThat(print(new FeatureStatisticsView("federated", 0, List.of(), List.of(), Map.of())))
        .contains("summed before round 1");
    assertThat(print(new FeatureStatisticsView("local", 0, List.of(), List.of(), Map.of())))
        .startsWith("standardize: local (each node imputes and scales with its own training rows)");
  }
}
