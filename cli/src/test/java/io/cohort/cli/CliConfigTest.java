package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Defaults come from the flag, then the environment, then the config file, then the built-in value. */
class CliConfigTest {
  @TempDir Path dir;

  private CohortCli.Connection parse(Map<String, String> env, String... args) {
    CommandLine cl = CohortCli.commandLine(new CliConfig(env));
    CommandLine.ParseResult r = cl.parseArgs(args);
    Object cmd = r.subcommand().subcommand().commandSpec().userObject();
    return ((JobCommand.ListJobs) cmd).connection;
  }

  @Test
  void precedence_flagThenEnvironmentThenFileThenDefault() throws Exception {
    Path file = dir.resolve("cli.yaml");
    Files.writeString(file, "coordinator: http://from-file:1\ndata_dir: /from/file\noutput: json\n");
    Map<String, String> fileOnly = Map.of("COHORT_CONFIG", file.toString());
    assertThat(parse(fileOnly, "job", "list").coordinator.toString()).isEqualTo("http://from-file:1");
    assertThat(parse(fileOnly, "job", "list").dataDir.toString()).isEqualTo("/from/file");
    Map<String, String> envToo = Map.of("COHORT_CONFIG", file.toString(), "COHORT_COORDINATOR", "http://from-env:2");
    assertThat(parse(envToo, "job", "list").coordinator.toString()).isEqualTo("http://from-env:2");
    assertThat(parse(envToo, "job", "list", "--coordinator", "http://flag:3").coordinator.toString())
        .isEqualTo("http://flag:3");
    Map<String, String> none = Map.of("COHORT_CONFIG", dir.resolve("missing.yaml").toString());
    assertThat(parse(none, "job", "list").coordinator.toString()).isEqualTo("https://localhost:8080");
  }

  @Test
  void unknownKey_isAnErrorNamingFileAndKey_withExitCode2() throws Exception {
    Path file = dir.resolve("cli.yaml");
    Files.writeString(file, "coordinater: http://typo:1\n");
    CommandLine cl = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", file.toString())));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute("job", "list");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains(file.toString()).contains("coordinater").contains("coordinator")
        .doesNotContain("Exception");
  }

  @Test
  void completionScript_coversTheCommands() {
    CommandLine cl = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("x.yaml").toString())));
    String script = picocli.AutoComplete.bash("cohort", cl);
    assertThat(script).contains("watch").contains("export").contains("verify").contains("create");
  }
}
