package io.cohort.client.cli;

import io.cohort.client.config.ConfigException;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import io.cohort.client.job.TrainerByTask;
import io.cohort.lm.model.Blas;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.model.Precision;
import io.cohort.client.runtime.NodeDaemon;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort-node --config node.yaml}: runs the node daemon; subcommands run local tools. */
@Command(name = "cohort-node", mixinStandardHelpOptions = true, versionProvider = NodeMain.Version.class,
    description = "Runs a Cohort node beside local data. It connects out to the coordinator, takes part in the jobs"
        + " it accepts, and never sends raw records.",
    subcommands = {CentralCommand.class, AuditCommand.class, PartitionCommand.class, PrivacyCommand.class, EnrollCommand.class,
        StatusCommand.class,
        AuditHeadCommand.class,
        LedgerCommand.class,
        TrainCommand.class,
        EvalCommand.class,
        ExportCommand.class,
        ExportDl4jCommand.class,
        ModelCommand.class,
        GenerateCommand.class,
        CommandLine.HelpCommand.class})
public final class NodeMain implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger(NodeMain.class.getName());

  @Option(names = "--config", paramLabel = "FILE", description = "The node's YAML configuration.")
  Path config;

  @Option(names = "--threads", paramLabel = "N", description = "Compute threads of the language-model engine and"
      + " OpenBLAS (1-" + NodeConfig.MAX_COMPUTE_THREADS + "); overrides compute.threads in node.yaml."
      + " Default: compute.threads, else all cores.")
  Integer threads;

  public static void main(String[] args) {
    Logging.configure();
    System.exit(run(args));
  }

  /** Runs the command line exactly as {@link #main} does, but returns the exit code instead of exiting. */
  static int run(String... args) {
    return commandLine().execute(args);
  }

  /**
   * The command line as {@link #main} runs it: an exception that escapes a command becomes one
   * line on stderr and exit code 1, never a stack trace. Tests redirect its output with
   * {@link CommandLine#setOut} and {@link CommandLine#setErr}.
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NodeMain());
    cli.addSubcommand(new TokenizeCommand());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("cohort-node: " + e.getMessage());
      return e instanceof CommandFailure f ? f.exitCode().code() : ExitCode.FAILED.code();
    });
    return cli;
  }

  @Override
  public Integer call() throws Exception {
    if (config == null) {
      System.err.println("cohort-node: --config FILE is required to run the node (see --help)");
      return ExitCode.USAGE.code();
    }
    NodeConfig cfg;
    try {
      cfg = NodeConfigLoader.load(config);
    } catch (ConfigException e) {
      System.err.println("cohort-node: " + e.getMessage());
      return ExitCode.USAGE.code();
    }
    if (cfg.plaintext()) {
      LOG.warning("PLAINTEXT development mode (plaintext: true): the connection to the coordinator is not encrypted"
          + " or authenticated; never use it with real data");
    } else {
      LOG.info("mutual TLS with certificate " + cfg.certificate() + " (CA " + cfg.caCertificate() + ")");
    }
    int computeThreads;
    try {
      computeThreads = applyComputeThreads(threads, cfg);
      // Process-wide, before any model loads (frozen weights are then kept as BF16 only).
      Blas.setPrecision(Precision.parse(cfg.computePrecision()));
    } catch (ConfigException e) {
      System.err.println("cohort-node: " + e.getMessage());
      return ExitCode.USAGE.code();
    }
    LOG.info("compute backend: ND4J " + Nd4j.getBackend().getClass().getSimpleName() + "; " + computeThreads
        + " compute thread(s) for the language-model engine and OpenBLAS, of "
        + Runtime.getRuntime().availableProcessors() + " cores; frozen-weight products in "
        + Blas.precision().name().toLowerCase(java.util.Locale.ROOT) + " (compute.precision " + cfg.computePrecision()
        + "); products " + (Blas.onArrays() ? "on pinned Java arrays (lm-engine's JNI shim)"
            : "through off-heap copies (no JNI shim in this build, or -Dcohort.operands=copy)"));
    try (NodeDaemon daemon = new NodeDaemon(cfg, Version.version(), TrainerByTask.forNode(cfg))) {
      Runtime.getRuntime().addShutdownHook(new Thread(daemon::close));
      daemon.run();
    }
    return ExitCode.OK.code();
  }

  /**
   * Sizes the language-model engine's thread pool and OpenBLAS (process-wide) from {@code --threads},
   * else {@code compute.threads} of node.yaml, and returns the count applied.
   *
   * @throws ConfigException when {@code --threads} is outside 1..{@link NodeConfig#MAX_COMPUTE_THREADS}
   */
  static int applyComputeThreads(Integer flag, NodeConfig cfg) throws ConfigException {
    int n = flag == null ? cfg.computeThreads() : flag;
    if (n < 1 || n > NodeConfig.MAX_COMPUTE_THREADS) {
      throw new ConfigException("--threads must be between 1 and " + NodeConfig.MAX_COMPUTE_THREADS
          + " (compute threads of the language-model engine and OpenBLAS), got " + n);
    }
    Parallel.setThreads(n);
    return n;
  }

  /** The version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    static String version() {
      String v = NodeMain.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
      return new String[] {"cohort-node " + version()};
    }
  }
}
