package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.tabular.EncodedData;
import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Standardize;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TrainingConfig;
import io.cohort.wire.StatisticsWords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 #2, the node's half: with standardize federated a node trains and evaluates only with the
 * federation's statistics, and then two nodes with very different data encode on one scale, that of
 * their pooled training rows.
 */
class TabularTrainerFederatedTest {
  private static final long SEED = 4242;
  @TempDir Path dir;

  private static final JobSpec SPEC = JobSpec.newBuilder().setJobId("job-f")
      .setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION).setDatasetAlias("tab").setRounds(1).setMinNodes(2).setSeed(SEED)
      .setTabular(TabularSpec.newBuilder().setLabelColumn("y").addClasses("no").addClasses("yes")
          .addNumericColumns("x").addCategoricalColumns(CategoricalColumn.newBuilder().setName("c")
              .addCategories("a").addCategories("b"))
          .addHiddenUnits(4).setStandardize(Standardize.STANDARDIZE_FEDERATED))
      .setTraining(TrainingConfig.newBuilder().setLocalEpochs(1).setBatchSize(8).setLearningRate(0.01)
          .setValidationFraction(0.25))
      .build();

  private TabularTrainer node(String name, double mean, double spread, SplittableRandom r) throws Exception {
    StringBuilder sb = new StringBuilder("x,c,y\n");
    for (int i = 0; i < 80; i++) {
      double x = mean + spread * r.nextGaussian();
      sb.append(x).append(',').append(r.nextBoolean() ? "a" : "b").append(',').append(x > mean ? "yes" : "no")
          .append('\n');
    }
    Path csv = Files.writeString(dir.resolve(name + ".csv"), sb);
    return new TabularTrainer(new NodeConfig(name, "localhost", 1, true,
        List.of(new NodeConfig.Dataset("tab", csv, "csv", Optional.empty())), Duration.ofSeconds(1),
        Duration.ofSeconds(1), dir.resolve(name + ".key")));
  }

  @Test
  void federatedJob_trainsOnlyWithTheFederationsStatistics_andBothNodesShareOneScale() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    TabularTrainer a = node("a", 0, 1, r);
    TabularTrainer b = node("b", 50, 10, r);
    assertThat(a.check(SPEC)).isEmpty();
    assertThatThrownBy(() -> a.train(SPEC, 1, Optional.empty()))
        .hasMessage("job job-f scales with the federation's feature statistics, but the task carries none");
    assertThatThrownBy(() -> a.evaluate(SPEC, a.initialParameters(SPEC)))
        .hasMessageContaining("but the task carries none");

    double[] sum = StatisticsWords.flatten(SPEC.getTabular(), a.featureStatistics(SPEC));
    double[] bs = StatisticsWords.flatten(SPEC.getTabular(), b.featureStatistics(SPEC));
    for (int i = 0; i < sum.length; i++) {
      sum[i] += bs[i];
    }
    FederationStatistics federation = StatisticsWords.unflatten(SPEC.getTabular(), sum, 2);
    assertThat(federation.getNumericCount(0)).as("60 training rows each").isEqualTo(120);
    a.useFederationStatistics(SPEC, federation);
    b.useFederationStatistics(SPEC, federation);

    double mean = sum[1] / sum[0];
    double std = Math.sqrt(sum[2] / sum[0] - mean * mean);
    double pooled = 0;
    double squares = 0;
    for (TabularTrainer t : List.of(a, b)) {
      EncodedData train = t.prepare(SPEC).train();
      for (int row = 0; row < train.size(); row++) {
        pooled += train.feature(row, 0);
        squares += (double) train.feature(row, 0) * train.feature(row, 0);
      }
    }
    assertThat(pooled / 120).as("x over both nodes' training rows is centred, seed %d", SEED).isCloseTo(0, within(1e-5));
    assertThat(squares / 120).as("and of unit variance").isCloseTo(1, within(1e-4));
    assertThat(a.prepare(SPEC).train().feature(0, 0)).as("node a's rows sit below the federation's mean")
        .isLessThan(0f);
    assertThat(std).isGreaterThan(20);

    LocalTrainer.Outcome out = a.train(SPEC, 1, Optional.empty());
    assertThat(out.examples()).isEqualTo(60);
    assertThat(b.evaluate(SPEC, out.parameters()).getNumExamples()).isEqualTo(20);
  }
}
