package io.cohort.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.cohort.adminapi.Decision;
import io.cohort.adminapi.EvaluationView;
import io.cohort.adminapi.JobDetail;
import io.cohort.adminapi.JobSummary;
import io.cohort.adminapi.NodeView;
import io.cohort.adminapi.PrivacyReport;
import io.cohort.adminapi.RoundView;
import io.cohort.cli.AdminClient;
import io.cohort.cli.AuditLines;
import io.cohort.cli.CliException;
import io.cohort.cli.JobCommand;
import io.cohort.cli.Progress;
import io.cohort.cli.JvmStart;
import io.cohort.cli.Processes;
import io.cohort.cli.Urls;
import io.cohort.client.cli.NodeCommandLines;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import io.cohort.client.config.NodeConfigWriter;
import io.cohort.client.partition.PartitionFiles;
import io.cohort.coordinator.job.JobFileException;
import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.round.SecAggSettings;
import io.cohort.coordinator.store.TensorFiles;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TabularTask;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TaskKinds;
import io.cohort.wire.TensorBundle;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Runs a simulated federation end to end: partitions the data (a held-out test file, dealt
 * evenly to the nodes for federated evaluation, and N training shards), starts the coordinator
 * and the nodes as separate processes over loopback TCP, submits the job through the admin API,
 * prints each round as its evaluation arrives, then trains the same model centrally on the pooled
 * training shards and prints its held-out metrics beside the federation's.
 */
final class Simulation {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param compareNonPrivate with a private job, first run the same job without its privacy block
   *     on the same split, and print both ROC AUCs
   * @param nodeBudget each node's epsilon budget for the dataset under a private job; null means
   *     the job's target epsilon (or 8 when the job gives sigma)
   */
  record Settings(Path job, Path data, int nodes, double dirichletAlpha, double testFraction, long seed,
      Path workDir, boolean baseline, boolean compareNonPrivate, Double nodeBudget, Path test, Path modelDir) {
    Settings(Path job, Path data, int nodes, double dirichletAlpha, double testFraction, long seed, Path workDir,
        boolean baseline) {
      this(job, data, nodes, dirichletAlpha, testFraction, seed, workDir, baseline, false, null, null, null);
    }

    /**
     * Fills what depends on the job's task: the data (credit-g for tabular jobs, the Reuters grain
     * training file for text jobs), and for text jobs the test file and the model folder
     * ({@code examples/text/<model name>}).
     */
    Settings resolved(JobSpec spec, Path home) {
      boolean text = TaskKinds.isLanguageModel(spec);
      boolean chat = spec.getTask() == TaskType.TASK_TYPE_CHAT_SFT;
      Path d = data != null ? data : home.resolve(chat ? TextSimulation.CHAT_DATA : text ? TextSimulation.DEFAULT_DATA
          : TABULAR_DATA);
      Path t = !text ? null : test != null ? test : home.resolve(chat ? TextSimulation.CHAT_TEST
          : TextSimulation.DEFAULT_TEST);
      Path m = !text ? null : modelDir != null ? modelDir : TextSimulation.defaultModelDir(home, spec);
      return new Settings(job, d, nodes, dirichletAlpha, testFraction, seed, workDir, baseline, compareNonPrivate,
          nodeBudget, t == null ? null : t.toAbsolutePath(), m == null ? null : m.toAbsolutePath());
    }
  }

  static final String TABULAR_DATA = "examples/credit/credit-g.csv";

  /**
   * How one federation ended: the last round's evaluation, the final global model when kept, and
   * under DP the coordinator's privacy report for the job's dataset.
   */
  private record Federation(EvaluationView evaluation, TensorBundle model, PrivacyReport privacy) {}

  private final Path home;
  private Settings s;
  private final PrintStream out;
  private final List<Process> processes = new ArrayList<>();

  private final Progress progress = new Progress(System.err, System::currentTimeMillis);

  Simulation(Path home, Settings settings, PrintStream out) {
    this.home = home;
    this.s = settings;
    this.out = out;
  }

  int run() throws Exception {
    Thread cleanup = new Thread(this::stopAll);
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      return simulate();
    } finally {
      stopAll();
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
  }

  private int simulate() throws Exception {
    String yaml;
    try {
      // A tabular job's model.config names a file here; the coordinator and nodes get its contents.
      yaml = JobFiles.inlineModelFile(read(s.job()), s.job());
    } catch (JobFileException e) {
      throw new CliException(CliException.USAGE, e.getMessage());
    }
    JobSpec spec = parse(yaml, s.job().toString());
    s = s.resolved(spec, home);
    if (s.test() != null && !Files.isRegularFile(s.test())) {
      throw new CliException(CliException.USAGE, "--test " + s.test() + ": no such file");
    }
    boolean dp = spec.getPrivacy().getEnabled();
    boolean text = TaskKinds.isLanguageModel(spec);
    // A regression's label is a number, not a class to stratify (or skew, with Dirichlet) by: plain IID split.
    boolean regression = !text && spec.getTabular().getTask() == TabularTask.TABULAR_TASK_REGRESSION;
    Files.createDirectories(s.workDir());
    out.printf("simulating %d nodes (%s) on %s; work dir %s%n", s.nodes(),
        s.dirichletAlpha() > 0 ? "Dirichlet alpha " + s.dirichletAlpha() : "IID", s.data(), s.workDir());
    Path dataDir = s.workDir().resolve("data");
    if (text) {
      if (!s.data().getFileName().toString().endsWith(".jsonl")) {
        throw new CliException(CliException.USAGE, "--data must be a .jsonl file of {\"text\", \"label\"} records"
            + " for a " + spec.getTask() + " job, got " + s.data());
      }
      if (!Files.isDirectory(s.modelDir())) {
        throw new CliException(CliException.USAGE, "the job's model '" + spec.getModel().getName() + "' is not at "
            + s.modelDir() + "; give its checkpoint folder with --model-dir");
      }
    }
    // Reading and writing CSV or JSONL once: C1 only (JvmStart); tools that train or evaluate keep C2.
    runTool("partition", JvmStart.QUICK, NodeCommandLines.partition(s.data().toAbsolutePath(), s.nodes(), s.testFraction(),
        s.dirichletAlpha(), s.seed(), dataDir, text || regression ? null : spec.getTabular().getLabelColumn(),
        spec.getTask() == TaskType.TASK_TYPE_CHAT_SFT || regression));

    EvaluationView open = null;
    if (dp && s.compareNonPrivate()) {
      String openYaml = PrivateSimulation.withoutPrivacy(yaml);
      out.println();
      out.println("== non-private run: the same job without its privacy block, same split ==");
      Federation openRun = federate(openYaml, parse(openYaml, s.job() + " (privacy removed)"),
          s.workDir().resolve("non-private"), dataDir, null);
      open = openRun == null ? null : openRun.evaluation();
      if (open == null) {
        return CliException.FAILED;
      }
      out.println();
      out.println("== private run ==");
    }
    Path runDir = open != null ? s.workDir().resolve("private") : s.workDir();
    PrivateSimulation.Budget budget = dp ? PrivateSimulation.budget(spec, s.nodeBudget()) : null;
    Federation federation = federate(yaml, spec, runDir, dataDir, budget);
    if (federation == null) {
      return CliException.FAILED;
    }
    EvaluationView fed = federation.evaluation();
    if (dp) {
      new PrivateSimulation(out).printSpend(federation.privacy(), nodeIds(), budget);
    }
    if (text) {
      finishText(spec, federation, dataDir, runDir);
      return 0;
    }
    if (fed.rmse() != null) {
      printRegression(spec, fed, open, dataDir);
      return 0;
    }
    if (open != null) {
      out.println();
      out.printf("%-28s %10s %10s %10s %10s%n", "held-out (same records)", "examples", "loss", "accuracy", "roc_auc");
      printRow("federated, non-private", open);
      printRow("federated, DP " + PrivateSimulation.describe(spec), fed);
      out.printf(Locale.ROOT, "cost of privacy: roc_auc %+.4f%n",
          num(fed.rocAuc(), 0) - num(open.rocAuc(), 0));
    }
    if (s.baseline()) {
      Path specFile = s.workDir().resolve("job-spec.json");
      Files.writeString(specFile, JsonFormat.printer().print(spec));
      PartitionFiles split = PartitionFiles.csv(dataDir, PartitionFiles.DEFAULT_PREFIX);
      String central = runTool("central", NodeCommandLines.centralTabular(specFile, split.pooledTraining(),
          split.heldOut()));
      JsonNode c = JSON.readTree(central.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}"));
      out.println();
      out.printf("%-22s %10s %10s %10s %10s %10s %10s %16s%n", "held-out (same records)", "examples", "loss", "accuracy",
          "roc_auc", "pr_auc", "f1@0.5", "best f1 (at)");
      out.printf(Locale.ROOT, "%-22s %10d %10.4f %10.4f %10.4f %10.4f %10.4f %9.4f (%.3f)%n",
          "federated (" + s.nodes() + " nodes)", fed.examples(), num(fed.loss(), 0), num(fed.accuracy(), 0),
          num(fed.rocAuc(), 0), num(fed.prAuc(), Double.NaN), num(fed.f1(), Double.NaN), num(fed.bestF1(), Double.NaN),
          num(fed.bestThreshold(), Double.NaN));
      out.printf(Locale.ROOT, "%-22s %10d %10.4f %10.4f %10.4f %10.4f %10.4f %9.4f (%.3f)%n", "central (pooled data)",
          c.path("examples").asLong(), c.path("loss").asDouble(), c.path("accuracy").asDouble(),
          c.path("roc_auc").asDouble(), c.path("pr_auc").asDouble(Double.NaN), c.path("f1").asDouble(Double.NaN),
          c.path("best_f1").asDouble(Double.NaN), c.path("best_threshold").asDouble(Double.NaN));
      if (spec.getTabular().getClassesCount() > 2) {
        out.println("roc_auc: the macro mean of each class's one-vs-rest ROC AUC (" + spec.getTabular()
            .getClassesCount() + " classes); pr_auc and f1 need a positive class, which a multi-class job has not");
      } else {
        out.println("best f1 (at): the F1 at the threshold that maximises it on these held-out records (optimistic)");
      }
      out.println(NodeCommandLines.describeCentral(spec));
      out.printf(Locale.ROOT, "cost of federation: roc_auc %+.4f%n", num(fed.rocAuc(), 0) - c.path("roc_auc").asDouble());
    }
    return 0;
  }

  /**
   * A regression job's results: RMSE, MAE and R² (label units) pooled from the nodes' sums, beside the same job
   * without DP (when run) and trained centrally on the pooled data (with --baseline).
   */
  private void printRegression(JobSpec spec, EvaluationView fed, EvaluationView open, Path dataDir) throws Exception {
    out.println();
    out.printf("%-28s %10s %14s %10s %10s %10s%n", "held-out (same records)", "examples", "loss", "rmse", "mae", "r2");
    // The loss is the mean squared (or absolute) error in the label's units squared: it can be large.
    String row = "%-28s %10d %14.6g %10.4f %10.4f %10.4f%n";
    if (open != null) {
      out.printf(Locale.ROOT, row, "federated, non-private", open.examples(), num(open.loss(), 0), num(open.rmse(), 0),
          num(open.mae(), 0), num(open.r2(), Double.NaN));
    }
    out.printf(Locale.ROOT, row, open != null ? "federated, DP " + PrivateSimulation.describe(spec)
        : "federated (" + s.nodes() + " nodes)", fed.examples(), num(fed.loss(), 0), num(fed.rmse(), 0),
        num(fed.mae(), 0), num(fed.r2(), Double.NaN));
    if (!s.baseline()) {
      return;
    }
    Path specFile = s.workDir().resolve("job-spec.json");
    Files.writeString(specFile, JsonFormat.printer().print(spec));
    PartitionFiles split = PartitionFiles.csv(dataDir, PartitionFiles.DEFAULT_PREFIX);
    String central = runTool("central", NodeCommandLines.centralTabular(specFile, split.pooledTraining(),
        split.heldOut()));
    JsonNode c = JSON.readTree(central.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}"));
    out.printf(Locale.ROOT, row, "central (pooled data)", c.path("examples").asLong(), c.path("loss").asDouble(),
        c.path("rmse").asDouble(), c.path("mae").asDouble(), c.path("r2").asDouble(Double.NaN));
    out.println(NodeCommandLines.describeCentral(spec));
    out.printf(Locale.ROOT, "cost of federation: rmse %+.4f%n", num(fed.rmse(), 0) - c.path("rmse").asDouble());
  }

  /**
   * Compares the written adapter, re-evaluated by {@code cohort-node eval} on the pooled validation
   * records at the nodes' precision, with the nodes' federated evaluation of the last round. Counts
   * (examples, accuracy, F1 at 0.5) must agree: the adapter is the global model, and F1 from the
   * 1000-bin histograms uses the same 0.5 edge. The two are not bit-identical computations (the
   * nodes batch their own shards, LoRA unmerged), so a record whose score lies within
   * {@code cohort-node eval}'s margin of the 0.5 edge ({@code edge_records}) may flip: the correct
   * counts may differ by at most that many, and F1 only when there is one. ROC AUC may differ by
   * pairs whose scores share a bin.
   */
  private void printAdapterCheck(JsonNode check, EvaluationView fed) {
    long n = check.path("records").asLong(-1);
    long edge = check.path("edge_records").asLong(0);
    long correctDiff = Math.abs(Math.round(check.path("accuracy").asDouble() * n)
        - Math.round(num(fed.accuracy(), 0) * n));
    boolean sameF1 = Math.abs(check.path("f1").asDouble(Double.NaN) - num(fed.f1(), Double.NaN)) < 1e-9;
    boolean exact = n == fed.examples() && correctDiff == 0 && sameF1;
    boolean withinEdge = n == fed.examples() && correctDiff <= edge && (sameF1 || edge > 0);
    out.printf(Locale.ROOT, "check: the adapter on the pooled validation records: %d examples, accuracy %.4f, f1 %.4f,"
        + " roc_auc %.4f; federated evaluation of the last round: %d, %.4f, %.4f, %.4f (1000-bin histograms): %s%n",
        n, check.path("accuracy").asDouble(Double.NaN), check.path("f1").asDouble(Double.NaN),
        check.path("roc_auc").asDouble(Double.NaN), fed.examples(), num(fed.accuracy(), Double.NaN),
        num(fed.f1(), Double.NaN), num(fed.rocAuc(), Double.NaN),
        exact ? "counts match" + (edge > 0 ? " (" + edge + " records within the 0.5 edge's margin)" : "")
            : withinEdge ? "counts match within the " + edge + " records at the 0.5 edge (" + correctDiff + " flipped)"
            : "MISMATCH");
  }

  /**
   * The final evaluation of a text job: the global model written as a PEFT adapter, checked on the
   * pooled validation records (the federated evaluation's), evaluated on the held-out test file,
   * and compared with the same recipe trained centrally on the pooled training shards.
   */
  private void finishText(JobSpec spec, Federation federation, Path dataDir, Path runDir) throws Exception {
    Path adapter = runDir.resolve("final-adapter");
    TextSimulation.writeAdapter(federation.model(), spec, s.modelDir(), adapter);
    out.println();
    out.println("final global model written as a PEFT adapter: " + adapter);
    JsonNode check = lastJson(runTool("eval-validation", NodeCommandLines.evalText(spec, s.modelDir(), adapter,
        TextSimulation.split(dataDir).heldOut())));
    if (spec.getTask() == TaskType.TASK_TYPE_CAUSAL_LM) {
      finishCausalLm(spec, check, federation.evaluation(), adapter, dataDir);
      return;
    }
    if (spec.getTask() == TaskType.TASK_TYPE_CHAT_SFT) {
      finishChat(spec, check, federation.evaluation(), adapter, dataDir);
      return;
    }
    printAdapterCheck(check, federation.evaluation());
    // Issue 23 #3: F1 on the test file also at the threshold that maximised F1 on the validation records
    // (the federated evaluation's pooled histograms), so the threshold is never tuned on the test file.
    Double tuned = federation.evaluation().bestThreshold();
    JsonNode test = lastJson(runTool("eval-test", NodeCommandLines.evalText(spec, s.modelDir(), adapter, s.test(),
        tuned)));
    out.println();
    out.printf("%-30s %10s %10s %10s %10s %10s %16s%n", "held-out test file", "examples", "accuracy", "roc_auc",
        "pr_auc", "f1@0.5", "f1@tuned (at)");
    String label = "federated (" + s.nodes() + " nodes)" + (spec.getPrivacy().getEnabled() ? ", DP" : "");
    printTextRow(label, test);
    if (s.baseline()) {
      Path central = s.workDir().resolve("central-adapter");
      runTool("central", NodeCommandLines.trainTextCentrally(spec, s.modelDir(), TextSimulation.split(dataDir).pooledTraining(),
          central));
      JsonNode cv = lastJson(runTool("eval-central-validation", NodeCommandLines.evalText(spec, s.modelDir(), central,
          TextSimulation.split(dataDir).heldOut())));
      JsonNode c = lastJson(runTool("eval-central", NodeCommandLines.evalText(spec, s.modelDir(), central, s.test(),
          cv.path("best_threshold").isNumber() ? cv.path("best_threshold").asDouble() : null)));
      printTextRow("central (pooled), non-private", c);
      out.println(NodeCommandLines.describeCentral(spec));
      out.printf(Locale.ROOT, "cost of federation%s: roc_auc %+.4f%n",
          spec.getPrivacy().getEnabled() ? " and privacy" : "",
          test.path("roc_auc").asDouble() - c.path("roc_auc").asDouble());
    }
    out.println("f1@tuned (at): F1 on the test file at the threshold that maximised F1 on the validation records"
        + " (federated: the pooled histograms of the last round)");
    out.println("test file: " + s.test());
  }

  /**
   * A causal-LM job's final lines: the adapter's mean NLL on the pooled validation records against
   * the federated evaluation of the last round (token counts must match; the NLL to rounding, as the
   * nodes sum in batches), then mean NLL and perplexity on the test file, and the central baseline.
   */
  private void finishCausalLm(JobSpec spec, JsonNode check, EvaluationView fed, Path adapter, Path dataDir)
      throws Exception {
    long tokens = check.path("tokens").asLong(-1);
    double nll = check.path("mean_nll").asDouble(Double.NaN);
    double fedNll = fed == null || fed.loss() == null ? Double.NaN : fed.loss();
    long fedTokens = fed == null ? -2 : fed.examples();
    boolean same = tokens == fedTokens && Math.abs(nll - fedNll) <= 1e-3 * Math.max(1, fedNll);
    out.printf(Locale.ROOT, "check: the adapter on the pooled validation records: %d tokens, mean NLL %.4f;"
        + " federated evaluation of the last round: %d, %.4f: %s%n", tokens, nll, fedTokens, fedNll,
        same ? "match" : "MISMATCH");
    JsonNode test = lastJson(runTool("eval-test", NodeCommandLines.evalText(spec, s.modelDir(), adapter, s.test())));
    out.println();
    out.printf("%-30s %10s %10s %10s %12s%n", "held-out test file", "records", "tokens", "mean NLL", "perplexity");
    String label = "federated (" + s.nodes() + " nodes)" + (spec.getPrivacy().getEnabled() ? ", DP" : "");
    printLmRow(label, test);
    if (s.baseline()) {
      Path central = s.workDir().resolve("central-adapter");
      runTool("central", NodeCommandLines.trainTextCentrally(spec, s.modelDir(),
          TextSimulation.split(dataDir).pooledTraining(), central));
      JsonNode c = lastJson(runTool("eval-central", NodeCommandLines.evalText(spec, s.modelDir(), central, s.test())));
      printLmRow("central (pooled), non-private", c);
      out.printf(Locale.ROOT, "cost of federation%s: mean NLL %+.4f%n", spec.getPrivacy().getEnabled() ? " and privacy"
          : "", test.path("mean_nll").asDouble() - c.path("mean_nll").asDouble());
    }
    out.println("test file: " + s.test());
  }

  /**
   * A chat SFT job's final lines: the adapter on the pooled validation conversations against the
   * federated evaluation of the last round (assistant tokens and exact-match count must agree; the
   * NLL to rounding), then assistant NLL and exact match on the test file, and the central baseline.
   */
  private void finishChat(JobSpec spec, JsonNode check, EvaluationView fed, Path adapter, Path dataDir)
      throws Exception {
    long tokens = check.path("assistant_tokens").asLong(-1);
    double nll = check.path("assistant_mean_nll").asDouble(Double.NaN);
    long records = check.path("records").asLong(-1);
    double em = check.path("exact_match").asDouble(Double.NaN);
    double fedNll = fed == null || fed.loss() == null ? Double.NaN : fed.loss();
    double fedEm = fed == null || fed.accuracy() == null ? Double.NaN : fed.accuracy();
    long fedTokens = fed == null ? -2 : fed.examples();
    boolean same = tokens == fedTokens && Math.abs(nll - fedNll) <= 1e-3 * Math.max(1, fedNll)
        && Math.round(em * records) == Math.round(fedEm * records);
    out.printf(Locale.ROOT, "check: the adapter on the pooled validation conversations: %d assistant tokens, NLL %.4f,"
        + " exact match %.4f; federated evaluation of the last round: %d, %.4f, %.4f: %s%n", tokens, nll, em,
        fedTokens, fedNll, fedEm, same ? "match" : "MISMATCH");
    JsonNode test = lastJson(runTool("eval-test", NodeCommandLines.evalText(spec, s.modelDir(), adapter, s.test())));
    out.println();
    out.printf("%-30s %10s %10s %14s %12s%n", "held-out test file", "records", "tokens", "assistant NLL",
        "exact match");
    String label = "federated (" + s.nodes() + " nodes)" + (spec.getPrivacy().getEnabled() ? ", DP" : "");
    printChatRow(label, test);
    if (s.baseline()) {
      Path central = s.workDir().resolve("central-adapter");
      runTool("central", NodeCommandLines.trainTextCentrally(spec, s.modelDir(),
          TextSimulation.split(dataDir).pooledTraining(), central));
      JsonNode c = lastJson(runTool("eval-central", NodeCommandLines.evalText(spec, s.modelDir(), central, s.test())));
      printChatRow("central (pooled), non-private", c);
    }
    out.println("test file: " + s.test());
  }

  private void printChatRow(String label, JsonNode e) {
    out.printf(Locale.ROOT, "%-30s %10d %10d %14.4f %12.4f%n", label, e.path("records").asLong(),
        e.path("assistant_tokens").asLong(), e.path("assistant_mean_nll").asDouble(Double.NaN), e.path("exact_match").asDouble(Double.NaN));
  }

  private void printLmRow(String label, JsonNode e) {
    out.printf(Locale.ROOT, "%-30s %10d %10d %10.4f %12.4g%n", label, e.path("records").asLong(),
        e.path("tokens").asLong(), e.path("mean_nll").asDouble(Double.NaN), e.path("perplexity").asDouble(Double.NaN));
  }

  private void printTextRow(String label, JsonNode e) {
    out.printf(Locale.ROOT, "%-30s %10d %10.4f %10.4f %10.4f %10.4f %9.4f (%.3f)%n", label, e.path("records").asLong(),
        e.path("accuracy").asDouble(Double.NaN), e.path("roc_auc").asDouble(Double.NaN),
        e.path("pr_auc").asDouble(Double.NaN), e.path("f1").asDouble(Double.NaN),
        e.path("f1_at_threshold").asDouble(Double.NaN), e.path("threshold").asDouble(Double.NaN));
  }

  /** The JSON document a {@code cohort-node ... --output json} command printed last (logs may precede it). */
  /** Issue 23 #7: each node's DP-SGD plan (q, sigma, C, steps), from its shard's row count, at submission. */
  private void printDpPlan(JobSpec spec, List<NodeConfig> nodes) {
    if (!spec.getPrivacy().getEnabled()) {
      return;
    }
    for (NodeConfig node : nodes) {
      java.util.OptionalLong rows = java.util.OptionalLong.empty();
      try {
        Path data = node.datasets().get(0).path();
        long lines;
        try (var l = Files.lines(data)) {
          lines = l.filter(line -> !line.isBlank()).count();
        }
        rows = java.util.OptionalLong.of(data.toString().endsWith(".csv") ? lines - 1 : lines);
      } catch (IOException | RuntimeException e) {
        // without the count the line says how q is found instead
      }
      out.println("DP plan " + node.nodeId() + (rows.isPresent() ? " (" + rows.getAsLong() + " training rows)" : "")
          + ": " + io.cohort.coordinator.job.DpPlanLine.describe(spec, rows));
    }
  }

  private static JsonNode lastJson(String output) throws IOException {
    int at = output.lastIndexOf("\n{");
    return JSON.readTree(at < 0 ? output.substring(Math.max(0, output.indexOf('{'))) : output.substring(at + 1));
  }

  private void printRow(String label, EvaluationView e) {
    out.printf(Locale.ROOT, "%-28s %10d %10.4f %10.4f %10.4f%n", label, e.examples(), num(e.loss(), 0),
        num(e.accuracy(), 0), num(e.rocAuc(), 0));
  }

  /** A metric the coordinator left out (it was NaN), as {@code ifAbsent}. */
  private static double num(Double metric, double ifAbsent) {
    return metric == null ? ifAbsent : metric;
  }

  private static JobSpec parse(String yaml, String source) throws CliException {
    try {
      return JobFiles.parse(yaml, source, "simulation");
    } catch (JobFileException e) {
      throw new CliException(CliException.USAGE, e.getMessage());
    }
  }

  /**
   * Runs one federation in {@code dir}: coordinator and nodes as processes, the job submitted and
   * watched to its end, every process stopped. Returns the last round's evaluation (and, for a
   * text job, the final global model), or null after printing why the job did not complete.
   */
  private Federation federate(String yaml, JobSpec spec, Path dir, Path dataDir, PrivateSimulation.Budget budget)
      throws Exception {
    Files.createDirectories(dir);
    int grpcPort = Processes.freePort();
    int httpPort = Processes.freePort();
    Path coordDir = dir.resolve("coordinator");
    List<NodeConfig> nodes = new ArrayList<>();
    for (int i = 1; i <= s.nodes(); i++) {
      nodes.add(nodeConfig(i, dir, grpcPort, spec, dataDir, budget));
    }
    String caFingerprint = SimulationPki.prepare(coordDir, nodes);
    out.println("transport: mutual TLS 1.3, node certificates issued offline by federation CA " + caFingerprint);
    // C1 only: the simulation's coordinator starts, waits on sockets and moves small messages (JvmStart).
    processes.add(Processes.coordinator(home, List.of("cohort.data-dir=" + coordDir, "quarkus.grpc.server.port=" + grpcPort,
            "quarkus.http.port=" + httpPort, "quarkus.grpc.server.host=127.0.0.1", "quarkus.http.host=127.0.0.1",
            "cohort.heartbeat-interval=1s"), JvmStart.QUICK)
        .redirectErrorStream(true).redirectOutput(dir.resolve("coordinator.log").toFile()).start());
    // The nodes start once the coordinator answers, not beside its boot: on a loaded 2-core machine
    // three starting node JVMs starved the booting coordinator past its 5 s database-connection
    // timeout (docs/benchmarks.md, "Start-up"), for 2-3 s saved on a quiet one.
    AdminClient admin = waitForCoordinator(URI.create("https://127.0.0.1:" + httpPort), coordDir);
    for (NodeConfig node : nodes) {
      Path cfg = NodeConfigWriter.fileIn(dir, node.nodeId());
      NodeConfigWriter.write(node, cfg, "generated by cohort simulate");
      processes.add(Processes.node(home, List.of("--config", cfg.toString())).redirectErrorStream(true)
          .redirectOutput(dir.resolve(node.nodeId() + ".log").toFile()).start());
    }
    waitForNodes(admin);

    String jobId = AdminClient.as(admin.postYaml("/api/v1/jobs?source=" + s.job().getFileName(), yaml),
        JobSummary.class).jobId();
    out.printf("job %s submitted: %d rounds, min_nodes %d, secure aggregation: %s, privacy: %s%n", jobId,
        spec.getRounds(), spec.getMinNodes(), SecAggSettings.describe(spec, s.nodes()),
        spec.getPrivacy().getEnabled() ? "DP-SGD " + PrivateSimulation.describe(spec) + ", each node's budget epsilon "
            + budget.epsilon() : "OFF");
    printDpPlan(spec, nodes);
    long started = System.nanoTime();
    JobDetail last = watch(admin, jobId, spec, budget);
    double seconds = (System.nanoTime() - started) / 1e9;
    String state = last.job().state();
    out.printf(Locale.ROOT, "job %s %s in %.1f s%n", jobId, state, seconds);
    AuditLines.print(out, last.audits());
    TensorBundle model = state.equals("COMPLETED") && TaskKinds.isLanguageModel(spec)
        ? download(admin, jobId, dir.resolve("final-global-model.bin")) : null;
    PrivacyReport privacy = budget == null ? null : PrivateSimulation.report(admin, spec.getDatasetAlias());
    stopAll();
    processes.clear();
    if (!state.equals("COMPLETED")) {
      out.println("failure: " + (last.job().failureReason() == null ? "(none given)" : last.job().failureReason())
          + "; logs in " + dir);
      return null;
    }
    List<RoundView> rounds = last.rounds();
    return new Federation(rounds.get(rounds.size() - 1).evaluation(), model, privacy);
  }

  /** The job's final global model, as {@code cohort job export} downloads it. */
  private static TensorBundle download(AdminClient admin, String jobId, Path file) throws Exception {
    AdminClient.Download d = admin.download("/api/v1/jobs/" + Urls.encode(jobId) + "/export");
    try (var in = d.body()) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return TensorFiles.read(file, 1L << 32);
  }

  /**
   * Node {@code i}'s configuration, its files in {@code dir} where the node keeps them by default:
   * its dataset shard (and, for a text job, the model folder), mutual TLS, a short reconnection
   * backoff, and one compute thread (the simulated nodes share this machine's cores).
   */
  private NodeConfig nodeConfig(int i, Path dir, int grpcPort, JobSpec spec, Path dataDir,
      PrivateSimulation.Budget budget) {
    String id = nodeId(i);
    Path identity = NodeConfigLoader.defaultIdentityKey(dir, id);
    String alias = spec.getDatasetAlias();
    Optional<NodeConfig.Budget> b = budget == null ? Optional.empty() : budget.forNode(alias, id, identity);
    boolean text = TaskKinds.isLanguageModel(spec);
    PartitionFiles csv = PartitionFiles.csv(dataDir, PartitionFiles.DEFAULT_PREFIX);
    NodeConfig.Dataset data = text ? TextSimulation.dataset(i, spec, dataDir, b)
        : new NodeConfig.Dataset(alias, csv.shard(i), "csv", Optional.of(csv.shardHeldOut(i)), b);
    return new NodeConfig(id, "127.0.0.1", grpcPort, false, List.of(data), NodeConfigLoader.DEFAULT_RPC_TIMEOUT,
        Duration.ofSeconds(2), identity, NodeConfigLoader.defaultCertificate(dir, id),
        NodeConfigLoader.defaultCaCertificate(dir), text ? Map.of(spec.getModel().getName(), s.modelDir()) : Map.of(),
        1)
        // Issue 19 #3: the nodes evaluate on the held-out file this simulation cut from the experimenter's own data,
        // so they agree to a job that declares it public (privacy.public_validation); otherwise it is noised.
        .withAllowPublicValidation(spec.getPrivacy().getPublicValidation());
  }

  private static String nodeId(int i) {
    return "node" + i;
  }

  private List<String> nodeIds() {
    return IntStream.rangeClosed(1, s.nodes()).mapToObj(Simulation::nodeId).toList();
  }

  private AdminClient waitForCoordinator(URI base, Path dataDir) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      if (!processes.get(0).isAlive()) {
        throw new CliException(CliException.FAILED, "the coordinator exited; see " + s.workDir().resolve("coordinator.log"));
      }
      if (Files.exists(dataDir.resolve("admin.token"))) {
        // HTTPS with the simulation's CA, as the CLI does on a coordinator's machine (issue 21 #5).
        AdminClient admin = new AdminClient(base, AdminClient.resolveToken(null, dataDir),
            io.cohort.cli.AdminTls.trusting(dataDir.resolve("pki").resolve("ca.crt")));
        try {
          admin.get("/api/v1/nodes");
          return admin;
        } catch (CliException notYet) {
          // still starting
        }
      }
      Thread.sleep(200);
    }
    throw new CliException(CliException.FAILED, "the coordinator did not start within 90 s; see coordinator.log");
  }

  private void waitForNodes(AdminClient admin) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      int connected = 0;
      for (NodeView n : admin.get("/api/v1/nodes", NodeView[].class)) {
        connected += n.connected() ? 1 : 0;
      }
      if (connected >= s.nodes()) {
        return;
      }
      for (int i = 1; i < processes.size(); i++) {
        if (!processes.get(i).isAlive()) {
          throw new CliException(CliException.FAILED, "node" + i + " exited; see " + s.workDir().resolve("node" + i + ".log"));
        }
      }
      Thread.sleep(200);
    }
    throw new CliException(CliException.FAILED, "the nodes did not connect within 120 s; see node*.log");
  }

  /**
   * Polls the job, printing each round once its evaluation is in (and, under DP, the epsilon each
   * node's verified ledger entries say it has spent after that round), until the job ends.
   */
  private JobDetail watch(AdminClient admin, String jobId, JobSpec spec, PrivateSimulation.Budget budget)
      throws Exception {
    long start = progress.now();
    int printed = 0;
    boolean declinesShown = false;
    while (true) {
      JobDetail d = admin.get("/api/v1/jobs/" + Urls.encode(jobId), JobDetail.class);
      List<Decision> decisions = d.nodes() == null ? List.of() : d.nodes();
      if (!declinesShown && decisions.size() >= s.nodes()) {
        for (Decision n : decisions) {
          if (!n.accepted()) {
            out.println(n.nodeId() + " declined: " + n.reason());
          }
        }
        declinesShown = true;
      }
      List<RoundView> rounds = d.rounds() == null ? List.of() : d.rounds();
      boolean terminal = !d.job().state().matches("OFFERED|RUNNING");
      while (printed < rounds.size() && (rounds.get(printed).evaluation() != null || terminal)) {
        RoundView round = rounds.get(printed++);
        out.println(spec.getTask() == TaskType.TASK_TYPE_CHAT_SFT ? JobCommand.RoundLine.formatChat(round)
            : JobCommand.RoundLine.format(round, spec.getTask() == TaskType.TASK_TYPE_CAUSAL_LM));
        if (budget != null) {
          out.println("           " + PrivateSimulation.spentAfter(admin, nodeIds(), spec.getDatasetAlias(),
              round.round()));
        }
        if (round.evaluation() != null) {
          progress.step("federated job", "round", round.round(), spec.getRounds(), start);
        }
      }
      if (terminal) {
        return d;
      }
      Thread.sleep(250);
    }
  }

  private String runTool(String name, List<String> args) throws Exception {
    return runTool(name, JvmStart.FULL, args);
  }

  private String runTool(String name, JvmStart start, List<String> args) throws Exception {
    Path log = s.workDir().resolve(name + ".log");
    Process p = Processes.node(home, args, start).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (name.startsWith("central") || name.startsWith("eval-central")) {
      awaitWithProgress(name.startsWith("central") ? "central baseline" : "central baseline evaluation", p, log);
    }
    if (p.waitFor() != 0) {
      throw new CliException(CliException.FAILED, "cohort-node " + name + " failed: "
          + Files.readString(log).lines().filter(l -> l.startsWith("cohort-node:")).findFirst().orElse("see " + log));
    }
    return Files.readString(log);
  }

  /**
   * Issue 23 #7: a progress line on stderr every {@link #PROGRESS_EVERY_MS} while a baseline runs (from the epochs
   * `cohort-node central` reports in its log, with the time left; elapsed time only where it reports none), and
   * one when it ends, so that a baseline of minutes is not silent.
   */
  private void awaitWithProgress(String what, Process p, Path log) throws Exception {
    long start = progress.now();
    System.err.println("progress: " + what + " started");
    while (!p.waitFor(PROGRESS_EVERY_MS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      int[] epoch = lastEpoch(log);
      if (epoch == null) {
        progress.running(what, start);
      } else {
        progress.step(what, "epoch", epoch[0], epoch[1], start);
      }
    }
    System.err.println("progress: " + what + " finished in " + Progress.duration(progress.now() - start));
  }

  static final long PROGRESS_EVERY_MS = 10_000;

  /** The newest "progress: epoch E/N" line of a tool's log as {E, N}; null when there is none yet. */
  static int[] lastEpoch(Path log) {
    try {
      String last = null;
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.startsWith("progress: epoch ")) {
          last = line;
        }
      }
      if (last == null) {
        return null;
      }
      String[] parts = last.substring("progress: epoch ".length()).strip().split("/");
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (IOException | RuntimeException e) {
      return null; // a half-written line or a log not there yet: the next look will do
    }
  }

  private static String read(Path file) throws CliException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException(CliException.USAGE, file + ": no such file");
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, file + ": cannot be read (" + e.getMessage() + ")");
    }
  }

  private void stopAll() {
    Processes.stopAll(processes);
  }
}
