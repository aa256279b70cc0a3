package io.cohort.cli;

import io.cohort.crypto.keys.OwnerOnly;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort serve}: runs the coordinator (the Quarkus application) in the foreground.
 *
 * <p>{@code bin/cohort serve} runs this command with {@code --print-command} and then
 * {@code exec}s the server's JVM itself, so that the PID the operator started is the server
 * and signals (SIGTERM, SIGINT, kill -9) reach it directly (issue 22 finding #4). Run without
 * the launcher ({@code java -jar cohort.jar serve}), it starts the server as a child process.
 *
 * <p>JVM options for the server (a heap size, GC logging, ...) come from {@code COHORT_JAVA_OPTS}, as
 * for the other launchers, split on white space; they reach the server's JVM, not this one.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the coordinator: gRPC for nodes, the admin API, and the round loop.")
final class ServeCommand implements Callable<Integer> {
  /** First field of the {@code --print-command} output, so a launcher can tell it from help text. */
  static final String EXEC_MARKER = "cohort-serve-exec";

  @Option(names = "--data-dir", defaultValue = "cohort-data", description = "Database, models and admin token (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--grpc-port", defaultValue = "9090", description = "Port nodes connect to (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--http-port", defaultValue = "8080", description = "Admin API and dashboard port, HTTPS only outside the"
      + " plaintext-dev profile (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address both listeners (gRPC and admin API) bind to,"
      + " e.g. 127.0.0.1 or 10.0.0.5 (default: 0.0.0.0, all interfaces; the admin API listens on 127.0.0.1 in the"
      + " plaintext-dev profile).")
  String bind;

  @Option(names = "--http-bind", paramLabel = "ADDRESS", description = "Address the admin API binds to, overriding --bind"
      + " for it, e.g. 127.0.0.1 to keep the admin API on this host while nodes reach gRPC from outside.")
  String httpBind;

  @Option(names = "--print-command", description = "Check the options and print the server's command line"
      + " (NUL-separated) instead of running it; bin/cohort execs it so that signals reach the server.")
  boolean printCommand;

  @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Any other coordinator setting, e.g. -Dcohort.heartbeat-interval=5s.")
  List<String> properties = new ArrayList<>();

  /** The environment the server's JVM options come from (a test sets its own). */
  Map<String, String> env = System.getenv();

  @Override
  public Integer call() throws Exception {
    List<String> props = new ArrayList<>();
    props.add("cohort.data-dir=" + dataDir.toAbsolutePath());
    props.add("quarkus.grpc.server.port=" + grpcPort);
    props.add("quarkus.http.port=" + httpPort);
    if (bind != null) {
      props.add("quarkus.grpc.server.host=" + checkAddress("--bind", bind));
      props.add("quarkus.http.host=" + checkAddress("--bind", bind));
    }
    if (httpBind != null) {
      props.add("quarkus.http.host=" + checkAddress("--http-bind", httpBind));
    }
    props.addAll(properties);
    PkiCommand.requireInitialised(dataDir, props);
    HttpsPreflight.check(dataDir, props, env, java.time.Instant.now());
    // Created 0700 before the server (and H2) put anything in it (issue 22 #8).
    OwnerOnly.createDirectories(dataDir);
    ProcessBuilder server = Processes.coordinator(CohortCli.home(), props, JvmStart.FULL, jvmOptions(env));
    if (printCommand) {
      PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
      out.print(EXEC_MARKER);
      out.print('\0');
      for (String arg : server.command()) {
        out.print(arg);
        out.print('\0');
      }
      out.flush();
      return 0;
    }
    Process p = server.inheritIO().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Processes.stop(p)));
    return p.waitFor();
  }

  /** The server's JVM options: {@code COHORT_JAVA_OPTS} split on white space (as the launchers' shells split it). */
  static List<String> jvmOptions(Map<String, String> env) {
    String opts = env.getOrDefault("COHORT_JAVA_OPTS", "").strip();
    return opts.isEmpty() ? List.of() : List.of(opts.split("\\s+"));
  }

  /** A host name or IP literal: letters, digits, '.', ':', '-', '%', '[' and ']' only. */
  private static String checkAddress(String option, String address) throws CliException {
    if (address.isBlank() || !address.matches("[A-Za-z0-9.:%\\[\\]-]+")) {
      throw new CliException(CliException.USAGE, option + " '" + address + "' is not a host name or IP address;"
          + " use e.g. 127.0.0.1, 0.0.0.0, ::1 or an address of this host");
    }
    return address;
  }
}
