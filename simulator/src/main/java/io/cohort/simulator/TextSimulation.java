package io.cohort.simulator;

import io.cohort.cli.AdapterExport;
import io.cohort.cli.CliException;
import io.cohort.client.config.NodeConfig;
import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TensorBundle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The language-model parts of {@code cohort simulate}: the JSONL split, each node's model folder
 * and {@code jsonl} dataset, the final global model as a PEFT adapter, and the {@code cohort-node}
 * commands that evaluate it on the held-out test file and train the central baseline with the
 * job's recipe (rounds x local epochs passes over the pooled training shards).
 */
final class TextSimulation {
  static final String DEFAULT_DATA = "examples/text/reuters-grain-train.jsonl";
  static final String DEFAULT_TEST = "examples/text/reuters-grain-test.jsonl";
  static final String DEFAULT_MODELS = "examples/text";

  private TextSimulation() {}

  /** Node {@code i}'s dataset: its JSONL training shard, and its share of the validation records. */
  static NodeConfig.Dataset dataset(int i, JobSpec spec, Path dataDir, Optional<NodeConfig.Budget> budget) {
    return new NodeConfig.Dataset(spec.getDatasetAlias(), dataDir.resolve("data-node" + i + ".jsonl"), "jsonl",
        Optional.of(dataDir.resolve("data-node" + i + "-validation.jsonl")), budget);
  }

  /**
   * Writes the job's global model as a PEFT adapter folder, with the same code as
   * {@code cohort job export --format peft} (frozen A regenerated from the job seed).
   */
  static void writeAdapter(TensorBundle global, JobSpec spec, Path modelDir, Path out)
      throws IOException, CliException {
    AdapterExport.writePeft(spec, AdapterExport.adapter(spec, global, Optional.of(modelDir)), out);
  }

  /** {@code cohort-node eval} of an adapter on a JSONL file, JSON output. */
  static List<String> evalArgs(JobSpec spec, Path modelDir, Path adapter, Path data) {
    List<String> args = new ArrayList<>(List.of("eval", "--model", modelDir.toString(), "--adapter",
        adapter.toString(), "--data", data.toString(), "--task", task(spec), "--max-length",
        String.valueOf(spec.getText().getMaxLength()), "--threads", "1", "--output", "json"));
    if (spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION) {
      args.addAll(List.of("--pooling", pooling(spec)));
    }
    return args;
  }

  /**
   * {@code cohort-node train} with the federated job's recipe on the pooled training shards,
   * non-private: the same LoRA, head, pooling, length, batch size, learning rate, weight decay
   * and seed, for rounds x local epochs epochs.
   */
  static List<String> centralTrainArgs(JobSpec spec, Path modelDir, Path train, Path out) {
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
    if (spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION) {
      args.addAll(List.of("--pooling", pooling(spec)));
    }
    return args;
  }

  private static String task(JobSpec spec) {
    return spec.getTask() == TaskType.TASK_TYPE_CAUSAL_LM ? "causal-lm" : "seq-cls";
  }

  private static String pooling(JobSpec spec) {
    return spec.getText().getPooling() == Pooling.POOLING_LAST_TOKEN ? "last" : "mean";
  }
}
