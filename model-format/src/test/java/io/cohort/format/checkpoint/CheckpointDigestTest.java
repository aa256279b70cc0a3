package io.cohort.format.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDigestTest {
  @TempDir
  Path dir;

  @Test
  void knownAnswerFollowsTheDocumentedDefinition() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{}");
    Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
    MessageDigest all = MessageDigest.getInstance("SHA-256");
    for (String[] f : new String[][] {{"config.json", "{}"}, {"model.safetensors", null}}) {
      byte[] content = f[1] == null ? new byte[] {1, 2, 3} : f[1].getBytes(StandardCharsets.UTF_8);
      all.update(f[0].getBytes(StandardCharsets.UTF_8));
      all.update((byte) 0);
      all.update(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) content.length});
      all.update(MessageDigest.getInstance("SHA-256").digest(content));
    }
    assertThat(CheckpointDigest.of(dir)).isEqualTo(HexFormat.of().formatHex(all.digest()));
  }

  @Test
  void notesDoNotChangeTheHashButWeightsAndTokenizerDo() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{}");
    Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
    String before = CheckpointDigest.of(dir);
    Files.writeString(dir.resolve("README.md"), "notes");
    Files.writeString(dir.resolve("golden.json"), "{}");
    assertThat(CheckpointDigest.of(dir)).isEqualTo(before);
    Files.writeString(dir.resolve("merges.txt"), "a b");
    String withTokenizer = CheckpointDigest.of(dir);
    assertThat(withTokenizer).isNotEqualTo(before);
    Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 4});
    assertThat(CheckpointDigest.of(dir)).isNotEqualTo(withTokenizer);
  }

  @Test
  void theShippedTinyModelHasTheHashItsJobFilesName() throws Exception {
    // examples/text/job*.yaml name this hash; a change to the definition or the files breaks them.
    assertThat(CheckpointDigest.of(CheckpointTest.TINY))
        .isEqualTo("b054c0e42eb19a268b7d5fe45f405c9b45819f484569eec51e52fd55d3122fee");
  }

  @Test
  void aFolderWithoutConfigIsRefusedByName() {
    assertThatThrownBy(() -> CheckpointDigest.of(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("config.json").hasMessageContaining("missing");
    assertThatThrownBy(() -> CheckpointDigest.of(dir.resolve("nope"))).hasMessageContaining("not a folder");
  }
}
