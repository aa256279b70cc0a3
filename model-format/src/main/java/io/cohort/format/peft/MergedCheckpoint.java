package io.cohort.format.peft;

import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.Safetensors;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a base checkpoint with an adapter folded in, as a Hugging Face model folder: the base's
 * {@code config.json} (copied byte for byte), {@code model.safetensors} (F32, {@code transformer.}
 * prefix as {@code save_pretrained} writes it) holding the merged weights ({@link LoraMerge}) and
 * the adapter's {@code modules_to_save} tensors under their own names ({@code score.weight},
 * {@code score.bias}), and the base's tokenizer files.
 */
public final class MergedCheckpoint {
  private MergedCheckpoint() {
  }

  /**
   * Merges {@code adapter} into the checkpoint at {@code baseDir} and writes the result to
   * {@code outDir}. Returns the names of the files written, in writing order.
   */
  public static List<String> write(Path baseDir, PeftAdapter adapter, Path outDir)
      throws CheckpointException, IOException {
    if (io.cohort.format.checkpoint.LlamaConfig.isLlamaFamily(baseDir)) {
      return writeLlama(baseDir, adapter, outDir);
    }
    Checkpoint base = Checkpoint.load(baseDir);
    adapter.checkAgainst(base.config(), baseDir);
    Map<String, CheckpointTensor> merged = LoraMerge.merge(base.tensors(), adapter);
    Map<String, CheckpointTensor> stored = new LinkedHashMap<>();
    for (Map.Entry<String, CheckpointTensor> e : merged.entrySet()) {
      String key = e.getKey().equals(Checkpoint.LM_HEAD) ? e.getKey() : Checkpoint.PREFIX + e.getKey();
      stored.put(key, e.getValue().withName(key));
    }
    for (Map.Entry<String, CheckpointTensor> e : adapter.savedModules().entrySet()) {
      stored.put(e.getKey(), e.getValue().withName(e.getKey()));
    }
    Files.createDirectories(outDir);
    List<String> written = new ArrayList<>();
    Files.copy(baseDir.resolve(Gpt2Config.FILE_NAME), outDir.resolve(Gpt2Config.FILE_NAME),
        StandardCopyOption.REPLACE_EXISTING);
    written.add(Gpt2Config.FILE_NAME);
    Safetensors.write(outDir.resolve(Checkpoint.WEIGHTS_FILE), stored, Map.of("format", "pt"));
    written.add(Checkpoint.WEIGHTS_FILE);
    written.addAll(Checkpoint.copyTokenizerFiles(baseDir, outDir));
    return written;
  }

  /** As {@link #write} for a Llama-family base: nn.Linear weights [out, in] under their Hugging Face names. */
  private static List<String> writeLlama(Path baseDir, PeftAdapter adapter, Path outDir)
      throws CheckpointException, IOException {
    io.cohort.format.checkpoint.LlamaCheckpoint base = io.cohort.format.checkpoint.LlamaCheckpoint.load(baseDir);
    Map<String, CheckpointTensor> stored;
    try {
      stored = new LinkedHashMap<>(LoraMerge.mergeLinear(base.tensors(), adapter));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(baseDir, e.getMessage());
    }
    for (Map.Entry<String, CheckpointTensor> e : adapter.savedModules().entrySet()) {
      stored.put(e.getKey(), e.getValue().withName(e.getKey()));
    }
    Files.createDirectories(outDir);
    List<String> written = new ArrayList<>();
    String config = io.cohort.format.checkpoint.LlamaConfig.FILE_NAME;
    Files.copy(baseDir.resolve(config), outDir.resolve(config), StandardCopyOption.REPLACE_EXISTING);
    written.add(config);
    Safetensors.write(outDir.resolve(Checkpoint.WEIGHTS_FILE), stored, Map.of("format", "pt"));
    written.add(Checkpoint.WEIGHTS_FILE);
    written.addAll(Checkpoint.copyTokenizerFiles(baseDir, outDir));
    return written;
  }
}
