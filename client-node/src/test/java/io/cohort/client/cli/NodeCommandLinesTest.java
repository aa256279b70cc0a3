package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command line {@link NodeCommandLines} builds is one the node's own command parses, with the meant values. */
class NodeCommandLinesTest {
  private static final Path DIR = Path.of("/tmp/sim");

  private static JobSpec textJob() {
    JobSpec.Builder b = JobSpec.newBuilder().setTask(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION).setRounds(3)
        .setSeed(7);
    b.getLoraBuilder().setR(2).setAlpha(4).setDropout(0.1f).addTargetModules("c_attn").addTargetModules("c_proj")
        .setFreezeA(true);
    b.getTrainingBuilder().setLocalEpochs(2).setBatchSize(8).setLearningRate(0.05);
    b.getTextBuilder().setMaxLength(64).setWeightDecay(0.02).setPooling(Pooling.POOLING_LAST_TOKEN);
    return b.build();
  }

  private static <T> T parse(T command, List<String> args) {
    CommandLine cli = new CommandLine(command);
    assertThat(args.get(0)).isEqualTo(cli.getCommandName());
    cli.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    return command;
  }

  @Test
  void trainTextCentrally_isTheJobsRecipe() {
    TrainCommand t = parse(new TrainCommand(),
        NodeCommandLines.trainTextCentrally(textJob(), DIR.resolve("model"), DIR.resolve("train.jsonl"), DIR.resolve("out")));
    assertThat(t.epochs).isEqualTo(6);
    assertThat(t.batchSize).isEqualTo(8);
    assertThat(t.lr).isCloseTo(0.05, within(1e-9));
    assertThat(t.weightDecay).isCloseTo(0.02, within(1e-9));
    assertThat(t.output).isEqualTo("json");
    assertThat(t.threads).isEqualTo(1);
  }

  @Test
  void trainTextCentrally_carriesTheJobsClassWeights() throws Exception {
    JobSpec.Builder b = textJob().toBuilder();
    b.getTextBuilder().setNumLabels(2).getClassWeightBuilder().addWeights(1).addWeights(8.5);
    TrainCommand t = parse(new TrainCommand(),
        NodeCommandLines.trainTextCentrally(b.build(), DIR.resolve("model"), DIR.resolve("t.jsonl"), DIR.resolve("o")));
    assertThat(t.classWeight).isEqualTo("0:1.0,1:8.5");
    assertThat(TrainCommand.classWeights(t.classWeight, 2, new int[] {0, 1}, true)).containsExactly(1.0, 8.5);
    assertThat(NodeCommandLines.describeCentral(b.build())).contains(", class weights 0:1.0,1:8.5, non-private");
    b.getTextBuilder().getClassWeightBuilder().clearWeights().setBalanced(true);
    t = parse(new TrainCommand(),
        NodeCommandLines.trainTextCentrally(b.build(), DIR.resolve("model"), DIR.resolve("t.jsonl"), DIR.resolve("o")));
    assertThat(t.classWeight).isEqualTo("balanced");
    assertThat(TrainCommand.classWeights("balanced", 2, new int[] {0, 0, 0, 1}, false)).containsExactly(4.0 / 6, 2.0);
    assertThat(parse(new TrainCommand(), NodeCommandLines.trainTextCentrally(textJob(), DIR.resolve("model"),
        DIR.resolve("t.jsonl"), DIR.resolve("o"))).classWeight).isNull();
  }

  @Test
  void classWeightOption_badValuesSayWhatIsValid() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrainCommand.classWeights("balanced", 2, new int[] {0, 1},
        true)).hasMessageContaining("with --dp give explicit weights");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrainCommand.classWeights("1=8", 2, new int[] {0, 1},
        false)).hasMessage("--class-weight '1=8'; expected balanced or LABEL:WEIGHT pairs such as 1:8 (labels 0 to 1)");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrainCommand.classWeights("2:8", 2, new int[] {0, 1},
        false)).hasMessage("--class-weight names label 2, but the data has labels 0 to 1");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrainCommand.classWeights("1:0", 2, new int[] {0, 1},
        false)).hasMessage("--class-weight of label 1 must be a number > 0, got 0");
  }

  @Test
  void describeCentral_namesTheRecipe() {
    assertThat(NodeCommandLines.describeCentral(textJob())).isEqualTo("central baseline: LoRA r 2 alpha 4.0 on"
        + " c_attn,c_proj, A frozen (FFA-LoRA, as the job), AdamW weight decay 0.02, 6 epochs (3 rounds x 2 local"
        + " epochs), batch 8, lr 0.05, non-private");
    JobSpec.Builder tab = JobSpec.newBuilder().setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION).setRounds(10);
    tab.getTabularBuilder().addHiddenUnits(16);
    tab.getTrainingBuilder().setLocalEpochs(2).setBatchSize(16).setLearningRate(0.01);
    assertThat(NodeCommandLines.describeCentral(tab.build())).isEqualTo("central baseline: the job's MLP (hidden [16])"
        + " on the pooled training shards, Adam, 20 epochs (10 rounds x 2 local epochs), batch 16, lr 0.01,"
        + " non-private, scaled and imputed with the pooled rows' statistics");
    tab.getTabularBuilder().clearHiddenUnits().getNetworkBuilder().setKind("dl4j").setSource("deeper.dl4j.json");
    assertThat(NodeCommandLines.describeCentral(tab.build())).startsWith("central baseline: the job's DL4J network"
        + " (deeper.dl4j.json) on the pooled training shards, Adam, 20 epochs");
  }

  @Test
  void evalText_parses() {
    EvalCommand e = parse(new EvalCommand(),
        NodeCommandLines.evalText(textJob(), DIR.resolve("model"), DIR.resolve("adapter"), DIR.resolve("test.jsonl")));
    assertThat(e.output).isEqualTo("json");
    assertThat(e.threads).isEqualTo(1);
    assertThat(e.precision).as("the simulated nodes' compute.precision default").isEqualTo("auto");
  }

  @Test
  void partitionAndCentral_parse() {
    parse(new PartitionCommand(), NodeCommandLines.partition(DIR.resolve("d.csv"), 3, 0.2, 0.5, 9, DIR, "class"));
    parse(new PartitionCommand(), NodeCommandLines.partition(DIR.resolve("d.jsonl"), 2, 0.2, 0, 9, DIR, null));
    parse(new CentralCommand(), NodeCommandLines.centralTabular(DIR.resolve("s.json"), DIR.resolve("a.csv"),
        DIR.resolve("b.csv")));
  }
}
