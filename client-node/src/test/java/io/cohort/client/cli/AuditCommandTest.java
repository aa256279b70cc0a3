package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-node audit} on the credit example's DP job (examples/credit/job-dp.spec.json). */
class AuditCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path example(String name) {
    for (Path p : List.of(Path.of("../examples/credit", name), Path.of("examples/credit", name))) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("examples/credit/" + name + " not found");
  }

  @Test
  void printsTheBoundBesideTheAccountedEpsilonAndNoSecrets() throws Exception {
    Run r = Run.of("audit", "--spec", example("job-dp.spec.json").toString(), "--train", example("credit-g.csv").toString(),
        "--canaries", "400", "--epsilon", "1");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
    assertThat(j.path("canaries").asInt()).isEqualTo(400);
    assertThat(j.path("guesses").asInt()).isEqualTo(200);
    assertThat(j.path("correct").asInt()).isBetween(0, 200);
    assertThat(j.path("accounted_epsilon").asDouble()).isBetween(0.9, 1.0);
    assertThat(j.path("epsilon_lower_bound").asDouble()).isBetween(0.0, 1.0);
    // only counts and the bound: no coin, score or record
    assertThat(j.fieldNames()).toIterable().doesNotContain("coins", "scores", "included");
  }

  @Test
  void withoutDpTheCanariesAreFound() throws Exception {
    Run r = Run.of("audit", "--spec", example("job-dp.spec.json").toString(), "--train", example("credit-g.csv").toString(),
        "--canaries", "1000", "--no-dp");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
    assertThat(j.path("correct").asInt()).isEqualTo(500);
    assertThat(j.path("epsilon_lower_bound").asDouble()).isGreaterThan(4.0);
    assertThat(j.path("accounted_epsilon").isNull()).isTrue();
  }

  @Test
  void userErrorsAreOneLineNamingTheField(@TempDir Path dir) throws Exception {
    Run tooMany = Run.of("audit", "--spec", example("job-dp.spec.json").toString(), "--train",
        example("credit-g.csv").toString(), "--canaries", "999999");
    assertThat(tooMany.code()).isNotZero();
    assertThat(tooMany.err().strip()).startsWith("cohort-node: canaries is 999999; expected 1 to ").doesNotContain("\n", "at io.");

    Run missing = Run.of("audit", "--spec", dir.resolve("nope.json").toString(), "--train",
        example("credit-g.csv").toString());
    assertThat(missing.err().strip()).startsWith("cohort-node: --spec ").contains("no such file").doesNotContain("\n");

    Path open = dir.resolve("open.json");
    Files.writeString(open, "{\"task\": \"TASK_TYPE_TABULAR_CLASSIFICATION\", \"rounds\": 2}");
    Run noDp = Run.of("audit", "--spec", open.toString(), "--train", example("credit-g.csv").toString());
    assertThat(noDp.code()).isNotZero();
    assertThat(noDp.err().strip()).startsWith("cohort-node: privacy: the job has no privacy block").doesNotContain("\n");
  }
}
