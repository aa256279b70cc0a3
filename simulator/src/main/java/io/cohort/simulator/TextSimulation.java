package io.cohort.simulator;

import io.cohort.cli.AdapterExport;
import io.cohort.cli.CliException;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.partition.PartitionFiles;
import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.TensorBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The language-model parts of {@code cohort simulate}: the JSONL split, each node's model folder
 * and {@code jsonl} dataset, and the final global model as a PEFT adapter. The {@code cohort-node}
 * commands that evaluate it and train the central baseline come from the node's own
 * {@code NodeCommandLines}.
 */
final class TextSimulation {
  static final String DEFAULT_DATA = "examples/text/reuters-grain-train.jsonl";
  static final String DEFAULT_TEST = "examples/text/reuters-grain-test.jsonl";
  static final String DEFAULT_MODELS = "examples/text";
  /** A chat SFT job's default conversations (examples/chat/README.md). */
  static final String CHAT_DATA = "examples/chat/reuters-words-chat-train.jsonl";
  static final String CHAT_TEST = "examples/chat/reuters-words-chat-test.jsonl";
  /** The Llama-family test checkpoints (tiny-llama3, tiny-qwen3, tiny-mistral). */
  static final String LLAMA_MODELS = "examples/llama";

  private TextSimulation() {}

  /**
   * The model folder of a job without {@code --model-dir}: {@code examples/text/<name>}, or
   * {@code examples/llama/<name>} when only that one exists.
   */
  static Path defaultModelDir(Path home, JobSpec spec) {
    Path text = home.resolve(DEFAULT_MODELS).resolve(spec.getModel().getName());
    Path llama = home.resolve(LLAMA_MODELS).resolve(spec.getModel().getName());
    return !Files.isDirectory(text) && Files.isDirectory(llama) ? llama : text;
  }

  /** Node {@code i}'s dataset: its JSONL training shard, and its share of the validation records. */
  static NodeConfig.Dataset dataset(int i, JobSpec spec, Path dataDir, Optional<NodeConfig.Budget> budget) {
    PartitionFiles split = split(dataDir);
    return new NodeConfig.Dataset(spec.getDatasetAlias(), split.shard(i), "jsonl", Optional.of(split.shardHeldOut(i)),
        budget);
  }

  /** The files {@code cohort-node partition} wrote for a text job. */
  static PartitionFiles split(Path dataDir) {
    return PartitionFiles.jsonl(dataDir, PartitionFiles.DEFAULT_PREFIX);
  }

  /**
   * Writes the job's global model as a PEFT adapter folder, with the same code as
   * {@code cohort job export --format peft} (frozen A regenerated from the job seed).
   */
  static void writeAdapter(TensorBundle global, JobSpec spec, Path modelDir, Path out)
      throws IOException, CliException {
    AdapterExport.writePeft(spec, AdapterExport.adapter(spec, global, Optional.of(modelDir)), out);
  }

}
