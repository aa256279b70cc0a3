package io.cohort.coordinator.cli;

import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort}: the administrator's command line. Run through {@code bin/cohort}, which puts
 * the coordinator's libraries on the class path and sets {@code cohort.home}.
 */
@Command(name = "cohort", mixinStandardHelpOptions = true, versionProvider = CohortCli.Version.class,
    description = "Cohort: federated, privacy-preserving fine-tuning. Run a coordinator, simulate a federation,"
        + " and manage jobs.",
    subcommands = {ServeCommand.class, SimulateCommand.class, JobCommand.class, NodeCommand.class, PkiCommand.class,
        CommandLine.HelpCommand.class})
public final class CohortCli {

  /** Where to reach the coordinator's admin API, and with which token. */
  static final class Connection {
    @Option(names = "--coordinator", defaultValue = "${COHORT_COORDINATOR:-http://localhost:8080}",
        description = "Admin API base URL (default: $COHORT_COORDINATOR or ${DEFAULT-VALUE}).")
    URI coordinator;

    @Option(names = "--token", description = "Admin bearer token (default: $COHORT_TOKEN, else <data-dir>/admin.token).")
    String token;

    @Option(names = "--data-dir", defaultValue = "cohort-data",
        description = "The coordinator's data directory, to read admin.token from (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    AdminClient client() throws CliException {
      return new AdminClient(coordinator, AdminClient.resolveToken(token, dataDir));
    }
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    CommandLine cli = new CommandLine(new CohortCli());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliException c) {
        cmd.getErr().println("cohort: " + c.getMessage());
        return c.exitCode();
      }
      cmd.getErr().println("cohort: unexpected error: " + e);
      return CliException.FAILED;
    });
    return cli.execute(args);
  }

  static Path home() {
    return Path.of(System.getProperty("cohort.home", ".")).toAbsolutePath().normalize();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = CohortCli.class.getPackage().getImplementationVersion();
      return new String[] {"cohort " + (v == null ? "dev" : v)};
    }
  }
}
