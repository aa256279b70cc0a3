package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ServiceLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code cohort}: the administrator's command line. Run through {@code bin/cohort}, which starts
 * the assembled program ({@code simulator/target/cohort.jar}: this CLI plus {@code simulate}) and
 * sets {@code cohort.home}.
 */
@Command(name = "cohort", mixinStandardHelpOptions = true, versionProvider = CohortCli.Version.class,
    description = "Cohort: federated, privacy-preserving fine-tuning. Run a coordinator, simulate a federation,"
        + " and manage jobs.",
    footer = {"", "Exit codes: 0 ok, 1 failed (e.g. the job failed), 2 bad usage or input, 3 coordinator unreachable,"
        + " 4 no or invalid token, 5 the token's role does not allow it, 6 an integrity check failed"
        + " (audit chain, export digest)."},
    subcommands = {ServeCommand.class, JobCommand.class, NodeCommand.class, PkiCommand.class,
        PrivacyCommand.class, AuditCommand.class, TokenCommand.class, CompletionCommand.class,
        CommandLine.HelpCommand.class})
public final class CohortCli {
  final CliConfig config;

  CohortCli(CliConfig config) {
    this.config = config;
  }

  /** Where to reach the coordinator's admin API, and with which token. */
  static final class Connection {
    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Option(names = "--coordinator", defaultValue = "https://localhost:8080",
        description = "Admin API base URL (default: $COHORT_COORDINATOR, the config file's 'coordinator', else"
            + " ${DEFAULT-VALUE}).")
    URI coordinator;

    @Option(names = "--token", description = "Bearer token (default: $COHORT_TOKEN, the config file's token or"
        + " token_file, else <data-dir>/admin.token).")
    String token;

    @Option(names = "--data-dir", defaultValue = "cohort-data",
        description = "The coordinator's data directory, to read admin.token from (default: $COHORT_DATA_DIR, the"
            + " config file's 'data_dir', else ${DEFAULT-VALUE}).")
    Path dataDir;

    AdminClient client() throws CliException {
      CliConfig config = config(spec);
      return new AdminClient(coordinator, AdminClient.resolveToken(token, dataDir, config),
          AdminTls.context(coordinator, config, dataDir));
    }
  }

  /** {@code --output table|json}. */
  static final class Output {
    enum Format { table, json }

    @Option(names = {"-o", "--output"}, defaultValue = "table",
        description = "table or json (default: $COHORT_OUTPUT, the config file's 'output', else ${DEFAULT-VALUE}).")
    Format format;

    boolean json() {
      return format == Format.json;
    }

    /**
     * With {@code --output json}, prints the coordinator's reply as it came (pretty-printed) and
     * returns true: the command prints nothing else. Otherwise returns false.
     */
    boolean printedAsJson(JsonNode reply) {
      if (json()) {
        System.out.println(reply.toPrettyString());
      }
      return json();
    }
  }

  static CliConfig config(CommandSpec spec) {
    Object root = spec.root().userObject();
    return root instanceof CohortCli c ? c.config : new CliConfig(System.getenv());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return commandLine(new CliConfig(System.getenv())).execute(args);
  }

  static CommandLine commandLine(CliConfig config) {
    CommandLine cli = new CommandLine(new CohortCli(config));
    // Commands of other modules on the class path (the simulator's `simulate`): added before the
    // default-value provider so that it reaches them too.
    for (CohortCommand extra : ServiceLoader.load(CohortCommand.class)) {
      cli.addSubcommand(extra);
    }
    cli.setDefaultValueProvider(config);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliException c) {
        cmd.getErr().println("cohort: " + c.getMessage());
        return c.exitCode();
      }
      if (e instanceof IllegalArgumentException bad) {
        cmd.getErr().println("cohort: " + bad.getMessage());
        return CliException.USAGE;
      }
      cmd.getErr().println("cohort: unexpected error: " + e);
      return CliException.FAILED;
    });
    cli.setParameterExceptionHandler((ex, a) -> {
      Throwable cause = ex.getCause();
      if (cause instanceof IllegalArgumentException bad) { // a malformed config file, found while parsing
        ex.getCommandLine().getErr().println("cohort: " + bad.getMessage());
        return CliException.USAGE;
      }
      ex.getCommandLine().getErr().println("cohort: " + ex.getMessage());
      ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return CliException.USAGE;
    });
    return cli;
  }

  /** The Cohort checkout or installation the launcher runs from ({@code -Dcohort.home}). */
  public static Path home() {
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
