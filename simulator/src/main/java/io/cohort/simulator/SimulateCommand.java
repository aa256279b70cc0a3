package io.cohort.simulator;

import io.cohort.cli.CliException;
import io.cohort.cli.CohortCli;
import io.cohort.cli.CohortCommand;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


/** {@code cohort simulate}: a whole federation on this machine, as separate processes over loopback TCP. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Run a simulated federation: a coordinator (embedded storage) and N nodes as separate processes"
        + " over loopback TCP, on a CSV (tabular jobs) or JSONL file (text jobs) split across the nodes; prints"
        + " per-round metrics, each node's epsilon under DP, and a central baseline.")
public final class SimulateCommand implements Callable<Integer>, CohortCommand {
  @Option(names = "--job", defaultValue = "examples/credit/job.yaml", description = "Job file (default: ${DEFAULT-VALUE}).")
  Path job;

  @Option(names = "--data", description = "Data to split across the nodes: CSV for tabular jobs (default:"
      + " examples/credit/credit-g.csv), JSONL {\"text\", \"label\"} for text jobs (default:"
      + " examples/text/reuters-grain-train.jsonl), chat JSONL for chat_sft jobs (default:"
      + " examples/chat/reuters-words-chat-train.jsonl, split at random).")
  Path data;

  @Option(names = "--test", description = "Text jobs: held-out JSONL file for the final evaluation (default:"
      + " examples/text/reuters-grain-test.jsonl; chat_sft: examples/chat/reuters-words-chat-test.jsonl).")
  Path test;

  @Option(names = "--model-dir", description = "Text jobs: the base model's checkpoint folder, given to every node"
      + " (default: examples/text/<the job's model name>, else examples/llama/<the job's model name>).")
  Path modelDir;

  @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--partition", defaultValue = "iid", description = "iid or dirichlet (default: ${DEFAULT-VALUE}).")
  String partition;

  @Option(names = "--alpha", defaultValue = "0.5", description = "Dirichlet concentration for --partition dirichlet (default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--dirichlet", paramLabel = "ALPHA", description = "Shorthand for --partition dirichlet --alpha ALPHA.")
  Double dirichlet;

  @Option(names = "--test-fraction", defaultValue = "0.2", description = "Held-out share of the data (default: ${DEFAULT-VALUE}).")
  double testFraction;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the data split (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--work-dir", description = "Where data shards, configs, databases and logs go (default: target/simulations/<time>).")
  Path workDir;

  @Option(names = "--no-baseline", description = "Skip the centrally trained comparison model.")
  boolean noBaseline;

  @Option(names = "--compare-non-private", description = "With a private job (a privacy: block), first run the same"
      + " job without it on the same split and print both ROC AUCs (a privacy.audit block is kept, so both runs"
      + " are audited).")
  boolean compareNonPrivate;

  @Option(names = "--node-budget", description = "Each node's epsilon budget for the dataset under a private job"
      + " (default: the job's target epsilon).")
  Double nodeBudget;

  @Override
  public Integer call() throws Exception {
    if (dirichlet != null) {
      partition = "dirichlet";
      alpha = dirichlet;
    }
    if (nodes < 1 || nodes > 32) {
      throw new CliException(CliException.USAGE, "--nodes must be between 1 and 32, got " + nodes);
    }
    if (!partition.equals("iid") && !partition.equals("dirichlet")) {
      throw new CliException(CliException.USAGE, "--partition must be iid or dirichlet, got '" + partition + "'");
    }
    if (partition.equals("dirichlet") && !(alpha > 0)) {
      throw new CliException(CliException.USAGE, "--alpha must be positive, got " + alpha);
    }
    if (nodeBudget != null && !(nodeBudget > 0 && nodeBudget < Double.POSITIVE_INFINITY)) {
      throw new CliException(CliException.USAGE, "--node-budget must be a finite epsilon > 0, got " + nodeBudget);
    }
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new CliException(CliException.USAGE, "--test-fraction must be in (0, 1), got " + testFraction);
    }
    Path home = CohortCli.home();
    job = underHomeIfMissing(job, home);
    data = data == null ? null : underHomeIfMissing(data, home);
    test = test == null ? null : underHomeIfMissing(test, home);
    modelDir = modelDir == null ? null : underHomeIfMissing(modelDir, home);
    Path dir = workDir != null ? workDir : home.resolve("target/simulations")
        .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    var settings = new Simulation.Settings(job, data, nodes, partition.equals("dirichlet") ? alpha : 0,
        testFraction, seed, dir.toAbsolutePath(), !noBaseline, compareNonPrivate, nodeBudget, test, modelDir);
    return new Simulation(home, settings, System.out).run();
  }

  /** Lets the defaults (examples/...) work from any working directory. */
  private static Path underHomeIfMissing(Path p, Path home) {
    return !p.isAbsolute() && !java.nio.file.Files.exists(p) && java.nio.file.Files.exists(home.resolve(p))
        ? home.resolve(p) : p;
  }
}
