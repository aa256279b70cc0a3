package io.cohort.simulator;

import io.cohort.cli.AdapterExport;
import io.cohort.cli.CliException;
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

/**
 * The language-model parts of {@code cohort simulate}: the JSONL split, each node's {@code models:}
 * and {@code jsonl} dataset, the final global model as a PEFT adapter, and the {@code cohort-node}
 * commands that evaluate it on the held-out test file and train the central baseline with the
 * job's recipe (rounds x local epochs passes over the pooled training shards).
 */
final class TextSimulation {
  static final String DEFAULT_DATA = "examples/text/reuters-grain-train.jsonl";
  static final String DEFAULT_TEST = "examples/text/reuters-grain-test.jsonl";
  static final String DEFAULT_MODELS = "examples/text";
  /** The Llama-family test checkpoints (tiny-llama3, tiny-qwen3, tiny-mistral). */
  static final String LLAMA_MODELS = "examples/llama";

  private TextSimulation() {}

  static boolean isText(JobSpec spec) {
    return spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION || spec.getTask() == TaskType.TASK_TYPE_CAUSAL_LM;
  }

  /**
   * The model folder of a job without {@code --model-dir}: {@code examples/text/<name>}, or
   * {@code examples/llama/<name>} when only that one exists.
   */
  static Path defaultModelDir(Path home, JobSpec spec) {
    Path text = home.resolve(DEFAULT_MODELS).resolve(spec.getModel().getName());
    Path llama = home.resolve(LLAMA_MODELS).resolve(spec.getModel().getName());
    return !java.nio.file.Files.isDirectory(text) && java.nio.file.Files.isDirectory(llama) ? llama : text;
  }

  /** {@code models:} and the dataset entry of node {@code i}'s node.yaml. */
  static String nodeYaml(int i, JobSpec spec, Path dataDir, Path modelDir) {
    return "models:\n"
        + "  " + spec.getModel().getName() + ": " + modelDir + "\n"
        + "datasets:\n"
        + "  - alias: " + spec.getDatasetAlias() + "\n"
        + "    path: " + dataDir.resolve("data-node" + i + ".jsonl") + "\n"
        + "    validation_path: " + dataDir.resolve("data-node" + i + "-validation.jsonl") + "\n"
        + "    format: jsonl\n";
  }

  /**
   * Writes the job's global model as a PEFT adapter folder, with the same code as
   * {@code cohort job export --format peft} (frozen A regenerated from the job seed).
   */
  static void writeAdapter(TensorBundle global, JobSpec spec, Path modelDir, Path out)
      throws IOException, CliException {
    AdapterExport.writePeft(spec, AdapterExport.adapter(spec, global, java.util.Optional.of(modelDir)), out);
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
