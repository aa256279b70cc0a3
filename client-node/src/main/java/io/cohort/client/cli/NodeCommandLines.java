package io.cohort.client.cli;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cohort-node} tool command lines built from what another program has (a job spec, files),
 * next to the commands that parse them, so that a caller such as {@code cohort simulate} does not
 * spell node flags itself. Uses nothing but the JDK and the proto types: the simulator loads it
 * without the node's training stack. {@code NodeCommandLinesTest} parses every line it builds.
 */
public final class NodeCommandLines {
  private NodeCommandLines() {}

  /**
   * {@code partition}: a held-out share and {@code nodes} training shards of {@code data} in {@code out};
   * {@code labelColumn} null means the JSONL default field {@code label}.
   */
  public static List<String> partition(Path data, int nodes, double testFraction, double dirichletAlpha, long seed,
      Path out, String labelColumn) {
    return partition(data, nodes, testFraction, dirichletAlpha, seed, out, labelColumn, false);
  }

  /** As above; {@code unlabelled}: JSONL records without a label (a chat SFT job's conversations), split IID. */
  public static List<String> partition(Path data, int nodes, double testFraction, double dirichletAlpha, long seed,
      Path out, String labelColumn, boolean unlabelled) {
    List<String> args = new ArrayList<>(List.of("partition", "--data", data.toString(), "--nodes",
        String.valueOf(nodes), "--test-fraction", String.valueOf(testFraction), "--dirichlet-alpha",
        String.valueOf(dirichletAlpha), "--seed", String.valueOf(seed), "--out", out.toString()));
    if (labelColumn != null) {
      args.addAll(List.of("--label", labelColumn));
    }
    if (unlabelled) {
      args.add("--no-label");
    }
    return args;
  }

  /** {@code central}: the tabular job's model trained on {@code train} and evaluated on {@code test}. */
  public static List<String> centralTabular(Path specJson, Path train, Path test) {
    return List.of("central", "--spec", specJson.toString(), "--train", train.toString(), "--test", test.toString());
  }

  /** {@code eval} of a text job's adapter on a JSONL file, JSON output, one compute thread. */
  public static List<String> evalText(JobSpec spec, Path modelDir, Path adapter, Path data) {
    return evalText(spec, modelDir, adapter, data, null);
  }

  /**
   * As above; with a {@code threshold} (a score in [0, 1], e.g. the F1-maximising threshold of the
   * validation histograms; null or NaN: none) also precision, recall and F1 at it.
   */
  public static List<String> evalText(JobSpec spec, Path modelDir, Path adapter, Path data, Double threshold) {
    List<String> args = new ArrayList<>(List.of("eval", "--model", modelDir.toString(), "--adapter",
        adapter.toString(), "--data", data.toString(), "--task", task(spec), "--max-length",
        String.valueOf(spec.getText().getMaxLength()), "--threads", "1", "--output", "json",
        // The simulated nodes run at compute.precision's default (auto): evaluate the adapter as they did.
        "--precision", "auto"));
    pooling(spec, args);
    if (threshold != null && threshold >= 0 && threshold <= 1) {
      args.addAll(List.of("--threshold", String.valueOf(threshold)));
    }
    return args;
  }

  /**
   * {@code train} with a text job's recipe, non-private, on one file: the same LoRA, head, pooling,
   * length, batch size, learning rate, weight decay and seed, for rounds x local epochs epochs; JSON
   * output, one compute thread.
   */
  public static List<String> trainTextCentrally(JobSpec spec, Path modelDir, Path train, Path out) {
    var l = spec.getLora();
    var t = spec.getTraining();
    List<String> args = new ArrayList<>(List.of("train", "--model", modelDir.toString(), "--data", train.toString(),
        "--out", out.toString(), "--task", task(spec), "--lora-r", String.valueOf(l.getR()), "--lora-alpha",
        String.valueOf(l.getAlpha()), "--lora-dropout", String.valueOf(l.getDropout()), "--target-modules",
        String.join(",", l.getTargetModulesList()), l.getFreezeA() ? "--ffa" : "--no-ffa",
        "--epochs", String.valueOf(spec.getRounds() * Math.max(1, t.getLocalEpochs())),
        "--batch-size", String.valueOf(t.getBatchSize()), "--lr", String.valueOf(t.getLearningRate()),
        "--weight-decay", String.valueOf(spec.getText().getWeightDecay()),
        "--max-length", String.valueOf(spec.getText().getMaxLength()), "--seed", String.valueOf(spec.getSeed()),
        "--threads", "1", "--output", "json"));
    pooling(spec, args);
    classWeight(spec, args);
    return args;
  }

  /** A sequence classification job's {@code text.class_weight} as {@code train --class-weight}. */
  private static void classWeight(JobSpec spec, List<String> args) {
    if (spec.getTask() != TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION || !spec.getText().hasClassWeight()) {
      return;
    }
    args.addAll(List.of("--class-weight", classWeightText(spec)));
  }

  private static String classWeightText(JobSpec spec) {
    var w = spec.getText().getClassWeight();
    if (w.getBalanced()) {
      return "balanced";
    }
    List<String> pairs = new ArrayList<>();
    for (int c = 0; c < w.getWeightsCount(); c++) {
      pairs.add(c + ":" + w.getWeights(c));
    }
    return String.join(",", pairs);
  }

  /**
   * What the central baseline of {@code spec} runs, in one line for the table it heads (issue 23 #6:
   * a baseline row must say what it ran): the model, epochs, optimiser and, for text jobs, the LoRA
   * settings, which are the job's own (a DP job's FFA-LoRA included) and always non-private.
   */
  public static String describeCentral(JobSpec spec) {
    var t = spec.getTraining();
    int epochs = spec.getRounds() * Math.max(1, t.getLocalEpochs());
    String schedule = String.format(java.util.Locale.ROOT, "%d epochs (%d rounds x %d local epochs), batch %d, lr %s",
        epochs, spec.getRounds(), Math.max(1, t.getLocalEpochs()), t.getBatchSize(), t.getLearningRate());
    if (spec.getTask() == TaskType.TASK_TYPE_TABULAR_CLASSIFICATION) {
      String model = spec.getTabular().hasNetwork()
          ? "the job's DL4J network (" + spec.getTabular().getNetwork().getSource() + ")"
          : "the job's MLP (hidden " + spec.getTabular().getHiddenUnitsList() + ")";
      return "central baseline: " + model + " on the pooled"
          + " training shards, Adam, " + schedule + ", non-private, "
          + (spec.getTabular().getStandardize() == io.cohort.proto.v1.Standardize.STANDARDIZE_NONE ? "unscaled"
              : "scaled and imputed with the pooled rows' statistics");
    }
    var l = spec.getLora();
    return "central baseline: LoRA r " + l.getR() + " alpha " + l.getAlpha() + " on " + String.join(",",
        l.getTargetModulesList()) + (l.getFreezeA() ? ", A frozen (FFA-LoRA, as the job)" : "") + ", AdamW weight"
        + " decay " + spec.getText().getWeightDecay() + ", " + schedule
        + (spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION && spec.getText().hasClassWeight()
            ? ", class weights " + classWeightText(spec) : "") + ", non-private"
        + (spec.getPrivacy().getEnabled() ? " (the DP job's recipe without DP-SGD)" : "");
  }

  private static String task(JobSpec spec) {
    return switch (spec.getTask()) {
      case TASK_TYPE_CAUSAL_LM -> LmCommandSupport.CAUSAL_LM;
      case TASK_TYPE_CHAT_SFT -> LmCommandSupport.CHAT_SFT;
      default -> LmCommandSupport.SEQ_CLS;
    };
  }

  private static void pooling(JobSpec spec, List<String> args) {
    if (spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION) {
      args.addAll(List.of("--pooling", spec.getText().getPooling() == Pooling.POOLING_LAST_TOKEN ? "last" : "mean"));
    }
  }
}
