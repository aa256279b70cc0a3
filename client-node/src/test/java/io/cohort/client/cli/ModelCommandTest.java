package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.format.checkpoint.CheckpointDigest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-node model hash}, run in-process through the same command line as {@code main}. */
class ModelCommandTest {
  private static final Path MODEL = Path.of("../examples/text/tiny-gpt2-reuters");

  private static Run run(String... args) {
    return Run.of(args);
  }

  @Test
  void printsTheCheckpointDigest_asTextAndJson() throws Exception {
    String expected = CheckpointDigest.of(MODEL);
    Run text = run("model", "hash", MODEL.toString());
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out().trim()).isEqualTo(expected).hasSize(64);
    Run json = run("model", "hash", MODEL.toString(), "--output", "json");
    assertThat(json.code()).as(json.err()).isZero();
    JsonNode node = LmCommandSupport.JSON.readTree(json.out());
    assertThat(node.get("sha256").asText()).isEqualTo(expected);
    assertThat(node.get("path").asText()).isEqualTo(MODEL.toString());
  }

  @Test
  void aFolderWithoutConfig_isOneLineAndExitCode2(@TempDir Path dir) {
    Run r = run("model", "hash", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("cohort-node model hash: " + dir.resolve("config.json")).doesNotContain("Exception");
    assertThat(run("model", "hash", MODEL.toString(), "--output", "xml").err()).contains("text or json");
  }
}
