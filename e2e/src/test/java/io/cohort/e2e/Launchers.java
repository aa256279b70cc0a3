package io.cohort.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the packaged launchers {@code bin/cohort} and {@code bin/cohort-node} to completion, as an
 * operator types them, isolated from the user's own CLI config, token and pinned key: each run
 * sees {@code COHORT_CONFIG} set to this test's CLI config file and none of {@code COHORT_TOKEN},
 * {@code COHORT_PROVENANCE_FINGERPRINT}, {@code COHORT_DATA_DIR} or {@code COHORT_COORDINATOR}
 * unless the test sets them.
 */
final class Launchers {
  /** A one-time enrolment token as {@code cohort node token} prints it (secret, '.', CA fingerprint). */
  static final Pattern ENROLMENT_TOKEN = Pattern.compile("(?m)^([A-Za-z0-9_-]+\\.[0-9a-f]{64})$");

  private final Path workDir;
  private final Path cliConfig;
  private final Map<String, String> env = new HashMap<>();
  private final java.util.function.Consumer<String> events;

  /** One finished run: exit code and the two output streams. */
  record Run(List<String> command, int exit, String out, String err) {
    String all() {
      return out + err;
    }

    @Override
    public String toString() {
      return String.join(" ", command) + " -> exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  Launchers(Path workDir, Path cliConfig, java.util.function.Consumer<String> events) {
    this.workDir = workDir;
    this.cliConfig = cliConfig;
    this.events = events;
  }

  /** Sets (or, with null, removes) an environment variable of every later run. */
  Launchers env(String name, String value) {
    if (value == null) {
      env.remove(name);
    } else {
      env.put(name, value);
    }
    return this;
  }

  Run cohort(String... args) throws IOException, InterruptedException {
    return run("cohort", Map.of(), args);
  }

  Run cohortNode(String... args) throws IOException, InterruptedException {
    return run("cohort-node", Map.of(), args);
  }

  /** Runs {@code bin/<launcher> ARGS} with extra environment {@code extraEnv} (a null value unsets). */
  Run run(String launcher, Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(E2eEnvironment.home().resolve("bin/" + launcher).toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    Map<String, String> e = pb.environment();
    for (String v : List.of("COHORT_TOKEN", "COHORT_PROVENANCE_FINGERPRINT", "COHORT_DATA_DIR", "COHORT_COORDINATOR")) {
      e.remove(v);
    }
    e.put("COHORT_CONFIG", cliConfig.toString());
    e.put("OMP_NUM_THREADS", "1");
    quickJvm(launcher, e);
    e.putAll(env);
    extraEnv.forEach((k, v) -> {
      if (v == null) {
        e.remove(k);
      } else {
        e.put(k, v);
      }
    });
    Path out = Files.createTempFile(workDir, launcher, ".out");
    Path err = Files.createTempFile(workDir, launcher, ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(4, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("bin/" + launcher + " " + String.join(" ", args) + " did not finish within 4 minutes:\n"
          + Files.readString(out) + Files.readString(err));
    }
    Run r = new Run(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    events.accept("bin/" + launcher + " " + String.join(" ", args) + " -> exit " + r.exit());
    return r;
  }

  /**
   * C1 only and the serial GC for a {@code bin/cohort-node} run, as {@code bin/cohort} already
   * starts the CLI and {@link NodeProcess} starts the nodes of the other tests: its commands
   * ({@code enroll}, {@code status}, {@code privacy budget}) start, talk and end, and the daemons
   * train the small credit MLP, whose arithmetic is ND4J's native code (docs/benchmarks.md).
   * {@code bin/cohort-node} takes JVM options from {@code COHORT_JAVA_OPTS}; one set by whoever runs
   * the tests is kept.
   */
  static void quickJvm(String launcher, Map<String, String> env) {
    if (launcher.equals("cohort-node") && !env.containsKey("COHORT_JAVA_OPTS")) {
      env.put("COHORT_JAVA_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    }
  }

  /** The enrolment token in the output of {@code cohort node token}. */
  static String enrolmentToken(Run tokenRun) {
    Matcher m = ENROLMENT_TOKEN.matcher(tokenRun.out());
    if (!m.find()) {
      throw new AssertionError("no enrolment token in the output of " + tokenRun);
    }
    return m.group(1);
  }

  /** A long-running launcher ({@code bin/cohort serve ...}, {@code bin/cohort-node --config ...}) whose output goes to a log. */
  static final class Daemon extends ManagedProcess {
    private final List<String> command;
    private final String launcher;

    Daemon(String name, Path log, String launcher, List<String> args) {
      super(name, log);
      this.launcher = launcher;
      List<String> cmd = new ArrayList<>();
      cmd.add(E2eEnvironment.home().resolve("bin/" + launcher).toString());
      cmd.addAll(args);
      this.command = List.copyOf(cmd);
    }

    @Override
    protected List<String> command() {
      return command;
    }

    @Override
    protected Map<String, String> environment() {
      // one ND4J thread per node, so that several nodes share the two cores fairly
      Map<String, String> env = new HashMap<>(Map.of("OMP_NUM_THREADS", "1"));
      String inherited = System.getenv("COHORT_JAVA_OPTS");
      if (inherited != null) {
        env.put("COHORT_JAVA_OPTS", inherited);
      }
      quickJvm(launcher, env);
      return env;
    }
  }
}
