package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code cohort-node privacy epsilon|sigma}, run in-process through the same command line as
 * {@code main} ({@link NodeMain#commandLine()}), with stdout and stderr captured.
 *
 * <p>Reference: TensorFlow Privacy's MNIST DP-SGD tutorial (N = 60000, batch 256 so q =
 * 256/60000, sigma = 1.1, 60 epochs = ceil(60 * 60000 / 256) = 14063 steps, delta = 1e-5) reports
 * epsilon = 2.60 with the improved RDP conversion; Opacus 1.5.4 gives 2.5966555286883684 (the
 * shared fixture {@code dp-reference-sample.csv}, as in crypto's RdpAccountantTest).
 */
class PrivacyCommandTest {
  private static final String MNIST_Q = Double.toString(256.0 / 60000);
  private static final String MNIST_STEPS = "14063";
  private static final double OPACUS_MNIST_EPSILON = 2.5966555286883684;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Exit code and captured output of one in-process run. */
  private static Run run(String... args) {
    return Run.of(args);
  }

  private static String[] mnist(String... extra) {
    List<String> a = new ArrayList<>(List.of("privacy", "epsilon", "--q", MNIST_Q, "--sigma", "1.1", "--steps",
        MNIST_STEPS, "--delta", "1e-5"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void mnistTutorial_text_printsEpsilon2_60() {
    Run r = run(mnist());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    Matcher m = Pattern.compile("^epsilon = (\\d+\\.\\d{6}) at delta = 1\\.0E-5 over 14063 steps \\(rdp-extended")
        .matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    double eps = Double.parseDouble(m.group(1));
    assertThat(String.format(java.util.Locale.ROOT, "%.2f", eps)).isEqualTo("2.60");
    // The extended order grid's optimum here is alpha = 8.1, on Opacus's grid too: the same value.
    assertThat(eps).isCloseTo(OPACUS_MNIST_EPSILON, within(1e-6));
  }

  @Test
  void mnistTutorial_json_withOpacusOrders_matchesOpacus() throws Exception {
    Run r = run(mnist("--accountant", "rdp-opacus", "--output", "json"));
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("epsilon").asDouble()).isCloseTo(OPACUS_MNIST_EPSILON, within(1e-9));
    assertThat(j.get("delta").asDouble()).isEqualTo(1e-5);
    assertThat(j.get("steps").asLong()).isEqualTo(14063);
    assertThat(j.get("accountant").asText()).startsWith("rdp-opacus");
    assertThat(j.get("error_bounded").asBoolean()).isFalse();
  }

  @Test
  void mnistTutorial_json_withPld_isBelowRdp_withABoundedError() throws Exception {
    Run r = run(mnist("--accountant", "pld", "--output", "json"));
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    double eps = j.get("epsilon").asDouble();
    // Google dp_accounting 0.6.0's pessimistic PLD (same grid) gives 2.3817788 (shared fixture).
    assertThat(eps).isLessThan(OPACUS_MNIST_EPSILON).isCloseTo(2.3817788079120428, within(1e-3));
    assertThat(j.get("error_bounded").asBoolean()).isTrue();
    assertThat(j.get("epsilon_error").asDouble()).isPositive().isLessThan(0.05);
  }

  @Test
  void sigma_isTheInverseOfEpsilon_textAndJson() throws Exception {
    String[] args = {"privacy", "sigma", "--q", MNIST_Q, "--steps", MNIST_STEPS, "--delta", "1e-5", "--epsilon",
        Double.toString(OPACUS_MNIST_EPSILON), "--accountant", "rdp-opacus"};
    Run text = run(args);
    assertThat(text.code()).as(text.err()).isZero();
    Matcher m = Pattern.compile("^sigma = (\\d+\\.\\d{6}) \\(smallest").matcher(text.out());
    assertThat(m.find()).as(text.out()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isCloseTo(1.1, within(2e-6));

    List<String> withJson = new ArrayList<>(List.of(args));
    withJson.addAll(List.of("--output", "json"));
    Run json = run(withJson.toArray(String[]::new));
    assertThat(json.code()).as(json.err()).isZero();
    JsonNode j = JSON.readTree(json.out());
    // Calibrated to 1e-6 relative, on the feasible side: sigma = 1.1 up to that tolerance.
    assertThat(j.get("sigma").asDouble()).isCloseTo(1.1, within(1.1 * 2e-6));
    assertThat(j.get("steps").asLong()).isEqualTo(14063);
  }

  @Test
  void planFile_composesHeterogeneousSegments(@TempDir Path dir) throws Exception {
    Path plan = dir.resolve("plan.txt");
    Files.writeString(plan, "# q sigma steps\n0.01 1.0 100\n0.02, 1.5, 50  # second round\n");
    Run r = run("privacy", "epsilon", "--plan", plan.toString(), "--delta", "1e-5", "--accountant", "rdp-opacus",
        "--output", "json");
    assertThat(r.code()).as(r.err()).isZero();
    // Opacus 1.5.4 on the same plan (shared fixture, row H1_brief).
    assertThat(JSON.readTree(r.out()).get("epsilon").asDouble()).isCloseTo(1.268356294140077, within(1e-9));
    assertThat(JSON.readTree(r.out()).get("steps").asLong()).isEqualTo(150);
  }

  /** Each bad value: exit code 2, nothing on stdout, one line on stderr naming the parameter and its range. */
  @ParameterizedTest(name = "{0} {1}={2}")
  @CsvSource(delimiter = ';', value = {
      "epsilon; --q; 0; --q; (0, 1]",
      "epsilon; --q; 1.5; --q; (0, 1]",
      "epsilon; --q; -0.1; --q; (0, 1]",
      "epsilon; --q; NaN; --q; (0, 1]",
      "epsilon; --q; abc; --q; (0, 1]",
      "epsilon; --sigma; 0; --sigma; > 0",
      "epsilon; --sigma; -1; --sigma; > 0",
      "epsilon; --sigma; Infinity; --sigma; > 0",
      "epsilon; --sigma; one; --sigma; > 0",
      "epsilon; --delta; 0; --delta; (0, 1)",
      "epsilon; --delta; 1; --delta; (0, 1)",
      "epsilon; --delta; 2e-1x; --delta; (0, 1)",
      "epsilon; --steps; 0; --steps; [1, 1000000000]",
      "epsilon; --steps; -5; --steps; [1, 1000000000]",
      "epsilon; --steps; 1.5; --steps; [1, 1000000000]",
      "epsilon; --steps; ten; --steps; [1, 1000000000]",
      "sigma; --q; 2; --q; (0, 1]",
      "sigma; --delta; 1.0; --delta; (0, 1)",
      "sigma; --steps; 0; --steps; [1, 1000000000]",
      "sigma; --epsilon; 0; --epsilon; > 0",
      "sigma; --epsilon; lots; --epsilon; > 0"})
  void badInput_exits2_withOneLineNamingTheParameterAndItsRange(String command, String option, String value,
      String named, String range) {
    List<String> args = new ArrayList<>(List.of("privacy", command, "--q", "0.01", "--steps", "100", "--delta",
        "1e-5"));
    args.addAll(command.equals("epsilon") ? List.of("--sigma", "1.0") : List.of("--epsilon", "1.0"));
    int at = args.indexOf(option);
    if (at >= 0) {
      args.set(at + 1, value);
    } else {
      args.addAll(List.of(option, value));
    }
    Run r = run(args.toArray(String[]::new));
    assertBadInput(r, named, range);
  }

  @Test
  void missingRequiredValue_exits2_withOneLine() {
    assertBadInput(run("privacy", "epsilon", "--q", "0.01", "--sigma", "1", "--steps", "100"), "--delta", "(0, 1)");
    assertBadInput(run("privacy", "sigma", "--q", "0.01", "--steps", "100", "--delta", "1e-5"), "--epsilon", "> 0");
  }

  @Test
  void run_returnsTheExitCodeWithoutExiting() {
    assertThat(NodeMain.run("privacy", "epsilon", "--q", "0.01", "--sigma", "1", "--steps", "10", "--delta", "1e-5"))
        .isZero();
    assertThat(NodeMain.run("privacy", "epsilon", "--q", "7", "--sigma", "1", "--steps", "10", "--delta", "1e-5"))
        .isEqualTo(2);
  }

  private static void assertBadInput(Run r, String named, String range) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    String line = r.err().strip();
    assertThat(line).as("one line").doesNotContain("\n").startsWith("cohort-node privacy: ").contains(named)
        .contains(range);
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
