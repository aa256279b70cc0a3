package io.cohort.coordinator.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.adminapi.FeatureStatisticsView;
import io.cohort.coordinator.job.JobFiles;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.StatisticsWords;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 23 #2: the API's view of a job's federation statistics: means and spreads from the sums. */
class FeatureStatisticsViewsTest {
  private static final String JOB = """
      name: s
      task: tabular_classification
      dataset: d
      tabular:
        label: y
        classes: ['no', 'yes']
        numeric: [age]
        categorical: {c: [u, v]}
      """;

  @Test
  void federatedJob_showsMeansSpreadsAndCounts_otherJobsTheirSetting() throws Exception {
    JobSpec spec = JobFiles.parse(JOB, "job.yaml", "job-1");
    // age: 4 values 1, 2, 3, 4 -> sum 10, squares 30; c: u 3, v 1; classes 2 / 2
    var sums = StatisticsWords.unflatten(spec.getTabular(), new double[] {4, 10, 30, 3, 1, 2, 2}, 2);
    FeatureStatisticsView v = FeatureStatisticsViews.of(spec, Optional.of(sums));
    assertThat(v.standardize()).isEqualTo("federated");
    assertThat(v.nodes()).isEqualTo(2);
    assertThat(v.numeric().get(0).name()).isEqualTo("age");
    assertThat(v.numeric().get(0).mean()).isEqualTo(2.5);
    assertThat(v.numeric().get(0).std()).isCloseTo(Math.sqrt(1.25), within(1e-12));
    assertThat(v.categorical().get(0).counts()).containsExactly(java.util.Map.entry("u", 3.0),
        java.util.Map.entry("v", 1.0));
    assertThat(v.classes()).containsEntry("yes", 2.0);

    assertThat(FeatureStatisticsViews.of(spec, Optional.empty()).nodes()).as("before the statistics round").isZero();
    JobSpec local = JobFiles.parse(JOB + "  standardize: local\n", "job.yaml", "job-2");
    assertThat(FeatureStatisticsViews.of(local, Optional.of(sums)))
        .isEqualTo(new FeatureStatisticsView("local", 0, java.util.List.of(), java.util.List.of(), java.util.Map.of()));
    assertThat(v.noise()).as("exact sums are not marked noised").isNull();
  }

  @Test
  void noisedStatistics_carryTheirNoiseAndEpsilon() throws Exception {
    JobSpec spec = JobFiles.parse(JOB, "job.yaml", "job-1");
    var sums = StatisticsWords.unflatten(spec.getTabular(), new double[] {4, 10, 30, 3, 1, 2, 2}, 2).toBuilder()
        .setNoised(true).setNoiseMultiplier(5).setEpsilon(0.98).setDelta(1e-5).build();
    assertThat(FeatureStatisticsViews.of(spec, Optional.of(sums)).noise())
        .isEqualTo(new FeatureStatisticsView.Noise(true, 5, 0.98, 1e-5));
  }
}
