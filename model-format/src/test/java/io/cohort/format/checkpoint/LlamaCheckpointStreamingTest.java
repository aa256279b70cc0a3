package io.cohort.format.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama-family checkpoint's weights are read when a tensor is asked for, not at load, so a model
 * built from it never holds a float32 copy of the whole checkpoint on the heap; what is read equals
 * what {@link Safetensors#read} reads.
 */
class LlamaCheckpointStreamingTest {
  private static final Path TINY = Path.of("..", "examples", "llama", "tiny-llama3");

  @Test
  void tensorsAreReadOnDemandAndEqualAWholeFileRead() throws Exception {
    LlamaCheckpoint c = LlamaCheckpoint.load(TINY);
    Map<String, CheckpointTensor> eager = Safetensors.read(TINY.resolve("model.safetensors"));
    assertThat(c.tensors().keySet()).containsExactlyElementsOf(LlamaCheckpoint.expectedShapes(c.config()).keySet());
    for (Map.Entry<String, CheckpointTensor> e : c.tensors().entrySet()) {
      assertThat(e.getValue()).as(e.getKey()).isEqualTo(eager.get(e.getKey()));
    }
    assertThat(c.tensors().get("model.norm.weight")).isEqualTo(eager.get("model.norm.weight"));
    assertThat(c.tensors().get("no.such.tensor")).isNull();
  }

  @Test
  void loadingReadsNoWeights_soAFileCutAfterLoadFailsOnlyWhenATensorIsRead(@TempDir Path tmp) throws Exception {
    for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
      Files.copy(TINY.resolve(f), tmp.resolve(f));
    }
    LlamaCheckpoint c = LlamaCheckpoint.load(tmp);
    try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("model.safetensors").toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    // The last tensor in the file now lies past its end: the read names the file and the problem.
    String last = null;
    for (String name : Safetensors.header(TINY.resolve("model.safetensors")).entries().keySet()) {
      last = name;
    }
    String name = last;
    assertThatThrownBy(() -> c.tensors().get(name)).isInstanceOf(UncheckedCheckpointException.class)
        .hasMessageContaining(tmp.resolve("model.safetensors").toString()).hasMessageContaining("truncated");
  }
}
