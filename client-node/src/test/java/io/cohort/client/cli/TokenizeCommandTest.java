package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-node tokenize}, run in-process through the same command line as {@code main}. */
class TokenizeCommandTest {
  private static final String MODEL = "../examples/text/tiny-gpt2-reuters";

  private static Run run(String... args) {
    return Run.of(args);
  }

  @Test
  void oneJsonArrayPerInputLine(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("texts.txt");
    Files.writeString(input, "Hello world\n\nI'm sure they'll say it's John's\n", StandardCharsets.UTF_8);
    for (String format : new String[] {"text", "json"}) {
      Run r = run("tokenize", "--model", MODEL, "--input", input.toString(), "--output", format);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out().split("\n", -1)).containsExactly("[15496,995]", "[]",
          "[40,1101,1654,484,1183,910,340,338,1757,338]", "");
    }
  }

  @Test
  void readsStandardInput() {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream("naïve café\n".getBytes(StandardCharsets.UTF_8)));
      Run r = run("tokenize", "--model", MODEL);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out().trim()).isEqualTo("[2616,38776,40304]");
    } finally {
      System.setIn(saved);
    }
  }

  @Test
  void badInputIsOneLineAndExitCode2(@TempDir Path dir) {
    Run noTokenizer = run("tokenize", "--model", dir.toString());
    assertThat(noTokenizer.code()).isEqualTo(2);
    assertThat(noTokenizer.err()).startsWith("cohort-node tokenize: " + dir).contains("vocab.json and merges.txt")
        .doesNotContain("Exception");
    Run badFormat = run("tokenize", "--model", MODEL, "--output", "xml");
    assertThat(badFormat.code()).isEqualTo(2);
    assertThat(badFormat.err()).contains("--output must be text or json");
    Run missing = run("tokenize", "--model", MODEL, "--input", dir.resolve("absent.txt").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("absent.txt: no such file");
  }
}
