package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.config.NodeConfig;
import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TabularTrainerTest {
  private static final long SEED = 31337;
  @TempDir Path dir;
  private Path good;

  private static JobSpec spec(String alias) {
    return JobSpec.newBuilder().setJobId("job-t").setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION)
        .setDatasetAlias(alias).setRounds(1).setMinNodes(1).setSeed(SEED)
        .setTabular(TabularSpec.newBuilder().setLabelColumn("y").addClasses("no").addClasses("yes")
            .addNumericColumns("x").addCategoricalColumns(CategoricalColumn.newBuilder().setName("c")
                .addCategories("a").addCategories("b"))
            .addHiddenUnits(4))
        .setTraining(TrainingConfig.newBuilder().setLocalEpochs(2).setBatchSize(8).setLearningRate(0.01)
            .setValidationFraction(0.25))
        .build();
  }

  private NodeConfig config(Path data) {
    return new NodeConfig("n1", "localhost", 1, true,
        List.of(new NodeConfig.Dataset("tab", data, "csv", Optional.empty())), Duration.ofSeconds(1), Duration.ofSeconds(1),
        dir.resolve("identity.key"));
  }

  @BeforeEach
  void writeData() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    StringBuilder sb = new StringBuilder("x,c,y\n");
    for (int i = 0; i < 80; i++) {
      double x = r.nextGaussian();
      sb.append(x).append(',').append(r.nextBoolean() ? "a" : "b").append(',').append(x > 0 ? "yes" : "no").append('\n');
    }
    good = dir.resolve("good.csv");
    Files.writeString(good, sb);
  }

  @Test
  void unknownAlias_isDeclinedNamingTheConfiguredOnes() {
    assertThat(new TabularTrainer(config(good)).check(spec("credit")).map(LocalTrainer.Decline::localDetail))
        .hasValue("dataset alias 'credit' is not configured on this node (configured: tab)");
  }

  @Test
  void malformedRow_isDeclinedNamingFileLineAndColumn() throws Exception {
    Path bad = dir.resolve("bad.csv");
    List<String> lines = Files.readAllLines(good);
    lines.set(5, "not-a-number,a,yes");
    Files.write(bad, lines);
    Optional<String> reason = new TabularTrainer(config(bad)).check(spec("tab")).map(LocalTrainer.Decline::localDetail);
    assertThat(reason).hasValueSatisfying(m -> assertThat(m).contains("bad.csv").contains("line 6").contains("'x'"));
  }

  @Test
  void missingColumn_isDeclinedNamingIt() throws Exception {
    Path bad = dir.resolve("nocol.csv");
    Files.writeString(bad, "x,y\n1,yes\n");
    assertThat(new TabularTrainer(config(bad)).check(spec("tab")).map(LocalTrainer.Decline::localDetail))
        .hasValueSatisfying(m -> assertThat(m).contains("nocol.csv").contains("'c'"));
  }

  @Test
  void validData_isAccepted_trainedAndEvaluated() throws Exception {
    TabularTrainer t = new TabularTrainer(config(good));
    assertThat(t.check(spec("tab"))).isEmpty();
    LocalTrainer.Outcome out = t.train(spec("tab"), 1, Optional.empty());
    assertThat(out.examples()).as("seed %d", SEED).isEqualTo(60); // 80 rows, 25 % held out
    assertThat(out.parameters().names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias");
    LocalTrainer.Outcome again = new TabularTrainer(config(good)).train(spec("tab"), 1, Optional.empty());
    assertThat(again.parameters()).as("training randomness is seeded").isEqualTo(out.parameters());
    EvaluationResult e = t.evaluate(spec("tab"), out.parameters());
    assertThat(e.getNumExamples()).isEqualTo(20);
    long histogramTotal = e.getPositiveScoreHistogramList().stream().mapToLong(Long::longValue).sum()
        + e.getNegativeScoreHistogramList().stream().mapToLong(Long::longValue).sum();
    assertThat(histogramTotal).isEqualTo(20);
  }

  /** The spec with {@code conf} as its DL4J network instead of hidden_units (input width 3: x and c's a/b). */
  private static JobSpec withNetwork(JobSpec spec, org.deeplearning4j.nn.conf.MultiLayerConfiguration conf,
      boolean dp) {
    JobSpec.Builder b = spec.toBuilder();
    b.getTabularBuilder().clearHiddenUnits().setNetwork(io.cohort.proto.v1.TabularNetworkSpec.newBuilder()
        .setKind("dl4j").setDl4JConfigurationJson(conf.toJson()).setSource("net.json"));
    if (dp) {
      b.getPrivacyBuilder().setEnabled(true);
    }
    return b.build();
  }

  private static org.deeplearning4j.nn.conf.MultiLayerConfiguration net(int in, int out, boolean batchNorm) {
    var list = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
        .dataType(org.nd4j.linalg.api.buffer.DataType.FLOAT).seed(3).list()
        .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(in).nOut(5)
            .activation(org.nd4j.linalg.activations.Activation.RELU).dropOut(0.9).build());
    if (batchNorm) {
      list.layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().nOut(5).build());
    }
    return list.layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
            org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(5).nOut(out)
            .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
        .build();
  }

  @Test
  void dl4jNetwork_isBuiltFromTheSpec_trained_andMismatchesDeclined() throws Exception {
    TabularTrainer t = new TabularTrainer(config(good));
    JobSpec fits = withNetwork(spec("tab"), net(3, 2, false), false);
    assertThat(t.check(fits)).isEmpty();
    LocalTrainer.Outcome out = t.train(fits, 1, Optional.empty());
    assertThat(out.parameters().names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight",
        "layers.1.bias");
    assertThat(out.parameters().get("layers.0.weight").shape()).containsExactly(5, 3);
    assertThat(t.evaluate(fits, out.parameters()).getNumExamples()).isEqualTo(20);

    assertThat(new TabularTrainer(config(good)).check(withNetwork(spec("tab"), net(4, 2, false), false))
        .map(LocalTrainer.Decline::localDetail)).hasValue("the job's model (net.json): the model's first layer"
            + " (DenseLayer) takes 4 inputs, but the job's encoded features are 3 wide");
    assertThat(new TabularTrainer(config(good)).check(withNetwork(spec("tab"), net(3, 3, false), false))
        .map(LocalTrainer.Decline::localDetail)).hasValueSatisfying(m -> assertThat(m)
            .contains("output layer has 3 units, but the job's label has 2 classes"));
    assertThat(new TabularTrainer(config(good)).check(withNetwork(spec("tab"), net(3, 2, true), true))
        .map(LocalTrainer.Decline::localDetail)).hasValueSatisfying(m -> assertThat(m)
            .contains("layer 1 (BatchNormalization) normalises across the examples of a batch"));
  }

  /** A regression spec: label y is a number (y = 20 + 5 x + noise), no classes. */
  private static JobSpec regressionSpec() {
    JobSpec.Builder b = spec("tab").toBuilder();
    b.getTabularBuilder().clearClasses().setTask(io.cohort.proto.v1.TabularTask.TABULAR_TASK_REGRESSION)
        .setRegressionLoss(io.cohort.proto.v1.RegressionLoss.REGRESSION_LOSS_MSE);
    return b.build();
  }

  private Path regressionData() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED + 1);
    StringBuilder sb = new StringBuilder("x,c,y\n");
    for (int i = 0; i < 80; i++) {
      double x = r.nextGaussian();
      sb.append(x).append(',').append(r.nextBoolean() ? "a" : "b").append(',').append(20 + 5 * x + 0.3 * r.nextGaussian())
          .append('\n');
    }
    Path file = dir.resolve("regression.csv");
    Files.writeString(file, sb);
    return file;
  }

  @Test
  void regressionJob_trainsWithAndWithoutDp_andSendsSumsNotHistograms() throws Exception {
    TabularTrainer t = new TabularTrainer(config(regressionData()));
    JobSpec spec = regressionSpec();
    assertThat(t.check(spec)).isEmpty();
    LocalTrainer.Outcome out = t.train(spec, 1, Optional.empty());
    assertThat(out.parameters().get("layers.1.weight").shape()).as("one linear output").containsExactly(4);
    EvaluationResult e = t.evaluate(spec, out.parameters());
    assertThat(e.getPositiveScoreHistogramCount()).isZero();
    assertThat(e.getRegression().getCount()).isEqualTo(20);
    double rmse = Math.sqrt(e.getRegression().getSumSquaredError() / 20);
    // y's standard deviation is about 5: a model that learned anything beats predicting the mean.
    assertThat(rmse).as("seed %d: %s", SEED, e.getRegression()).isLessThan(4.0);

    JobSpec dp = spec.toBuilder().setJobId("job-dp").setPrivacy(io.cohort.proto.v1.PrivacySpec.newBuilder()
        .setEnabled(true)).build();
    io.cohort.client.privacy.DpPlan plan = new io.cohort.client.privacy.DpPlan(0.25, 1.0, 1.0, 20, 1,
        io.cohort.client.tabular.DpSgdParams.Optimizer.ADAM);
    LocalTrainer.Outcome priv = t.trainPrivately(dp, 1, Optional.empty(), plan);
    assertThat(priv.metrics()).as("no noiseless loss leaves a private node").isEmpty();
    assertThat(t.evaluate(dp, priv.parameters()).getRegression().getCount()).isEqualTo(20);
  }

  @Test
  void regressionJob_declinesAClassifierNetwork_andANonNumericLabel() throws Exception {
    assertThat(new TabularTrainer(config(regressionData())).check(withNetwork(regressionSpec(), net(3, 2, false),
        false)).map(LocalTrainer.Decline::localDetail)).hasValueSatisfying(m -> assertThat(m)
            .contains("output layer has 2 units, but the job is a regression"));
    assertThat(new TabularTrainer(config(good)).check(regressionSpec()).map(LocalTrainer.Decline::localDetail))
        .hasValueSatisfying(m -> assertThat(m).contains("good.csv").contains("line 2").contains("'y'")
            .contains("is not a number"));
  }

  @Test
  void balancedClassWeightsUnderDp_areDeclined() {
    JobSpec.Builder b = spec("tab").toBuilder();
    b.getTabularBuilder().setClassWeight(io.cohort.proto.v1.ClassWeight.newBuilder().setBalanced(true));
    b.getPrivacyBuilder().setEnabled(true);
    assertThat(new TabularTrainer(config(good)).check(b.build()).map(LocalTrainer.Decline::localDetail))
        .hasValueSatisfying(m -> assertThat(m).contains("class_weight balanced").contains("explicit weights"));
  }
}
