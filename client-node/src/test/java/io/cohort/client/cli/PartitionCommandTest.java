package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 #10: {@code cohort-node partition --help} had options without descriptions, and the counts no labels. */
class PartitionCommandTest {
  @TempDir Path dir;

  @Test
  void everyOptionIsDescribed() {
    Run help = Run.of("partition", "--help");
    // --nodes, --seed, --out, --prefix and --data had none.
    assertThat(help.out()).contains("The file to split", "Label column", "How many node shards",
        "Held-out share of each label", "Non-IID label skew", "Seed of the shuffle", "Directory the shards are written",
        "File name prefix");
  }

  @Test
  void perClassCountsAreLabelled() throws Exception {
    StringBuilder csv = new StringBuilder("x,class\n");
    for (int i = 0; i < 60; i++) {
      csv.append(i).append(',').append(i % 3 == 0 ? "bad" : "good").append('\n');
    }
    Path data = Files.writeString(dir.resolve("d.csv"), csv);
    PrintStream was = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      code = Run.of("partition", "--data", data.toString(), "--label", "class", "--nodes", "2", "--out",
          dir.resolve("out").toString()).code();
    } finally {
      System.setOut(was);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("classes of 'class': ").doesNotContain("[");
    assertThat(out.lines().filter(l -> l.matches(".+: \\d+ rows \\((bad|good) \\d+, (bad|good) \\d+\\)")).count())
        .as("one labelled line per written file in:%n%s", out).isGreaterThanOrEqualTo(3);
  }
}
