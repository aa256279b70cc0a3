package io.cohort.client.privacy;

import io.cohort.client.config.NodeConfig;
import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** Test fixtures: a small private tabular job, a CSV for it, and node configurations with budgets. */
public final class PrivateJobs {
  private PrivateJobs() {}

  /** A job on dataset "tab" targeting {@code epsilon} at delta 1e-5 over {@code rounds} rounds of 10 steps at q 0.1. */
  public static JobSpec spec(String jobId, double epsilon, int rounds) {
    return JobSpec.newBuilder().setJobId(jobId).setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION)
        .setDatasetAlias("tab").setRounds(rounds).setMinNodes(1).setSeed(7).setRoundTimeoutMs(60_000)
        .setTabular(TabularSpec.newBuilder().setLabelColumn("y").addClasses("no").addClasses("yes")
            .addNumericColumns("x").addCategoricalColumns(CategoricalColumn.newBuilder().setName("c")
                .addCategories("a").addCategories("b"))
            .addHiddenUnits(4))
        .setTraining(TrainingConfig.newBuilder().setLocalEpochs(1).setBatchSize(8).setLearningRate(0.01)
            .setValidationFraction(0.25))
        .setPrivacy(PrivacySpec.newBuilder().setEnabled(true).setTargetEpsilon(epsilon).setDelta(1e-5)
            .setClipNorm(1.0).setSamplingRate(0.1).setLocalSteps(10).setAccountant(DpAccountant.DP_ACCOUNTANT_RDP)
            .setOptimizer(DpOptimizer.DP_OPTIMIZER_ADAM))
        .build();
  }

  /**
   * {@link #spec} with federated standardisation (issue 23 #2 under DP): secure aggregation on, column x's
   * public range [-4, 4], statistics noise multiplier {@code z}.
   */
  public static JobSpec federated(String jobId, double epsilon, int rounds, double z) {
    JobSpec s = spec(jobId, epsilon, rounds);
    return s.toBuilder().setSecureAggregation(io.cohort.proto.v1.SecureAggregationSpec.newBuilder().setEnabled(true)
            .setBits(16).setClip(1.0).setMaxExamples(1))
        .setTabular(s.getTabular().toBuilder().setStandardize(io.cohort.proto.v1.Standardize.STANDARDIZE_FEDERATED)
            .addColumns(io.cohort.proto.v1.ColumnPreprocessing.newBuilder().setName("x")
                .setImpute(io.cohort.proto.v1.Imputation.IMPUTATION_MEAN)
                .setRange(io.cohort.proto.v1.NumericRange.newBuilder().setMin(-4).setMax(4)))
            .addColumns(io.cohort.proto.v1.ColumnPreprocessing.newBuilder().setName("c")
                .setImpute(io.cohort.proto.v1.Imputation.IMPUTATION_MOST_FREQUENT)))
        .setPrivacy(s.getPrivacy().toBuilder().setStatisticsNoiseMultiplier(z))
        .build();
  }

  /** 80 seeded rows of x (numeric), c (a|b) and y = x > 0. */
  public static Path csv(Path dir, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("x,c,y\n");
    for (int i = 0; i < 80; i++) {
      double x = r.nextGaussian();
      sb.append(x).append(',').append(r.nextBoolean() ? "a" : "b").append(',').append(x > 0 ? "yes" : "no")
          .append('\n');
    }
    Path file = dir.resolve("tab.csv");
    Files.writeString(file, sb);
    return file;
  }

  /** A node whose dataset "tab" has the given budget (or none when {@code budget} is null). */
  public static NodeConfig config(Path dir, Path data, Double budget, int port) {
    Optional<NodeConfig.Budget> b = budget == null ? Optional.empty()
        : Optional.of(new NodeConfig.Budget(budget, 1e-5, "rdp", dir.resolve("n1.tab.ledger")));
    return new NodeConfig("n1", "127.0.0.1", port, true,
        List.of(new NodeConfig.Dataset("tab", data, "csv", Optional.empty(), b)), Duration.ofSeconds(5),
        Duration.ofSeconds(1), dir.resolve("n1.identity.key"));
  }
}
