package io.cohort.client.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.runtime.UploadLog;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node ledger --config node.yaml}: what left this node. Every upload the node made
 * (from its append-only upload log), with its size in bytes, job, round, kind and outcome, and the
 * privacy spend its signed ledger records for that job's round (per dataset: the round's ε and ε
 * after it). Read-only, so it works while the node runs. Exit 0; 1 when a privacy ledger does not
 * verify (its spend is then not shown); 2 for bad input.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true,
    description = "Show what left this node: every upload with its size, job, round and kind, and the privacy spend"
        + " its signed ledger records for that round.")
final class LedgerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConfigFile config = new ConfigFile();

  @Option(names = "--job", paramLabel = "JOB_ID", description = "Only uploads of this job.")
  String job;

  @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
  String output;

  /**
   * One ledger entry's spend, from its verified ledger: {@code mechanism} tells DP-SGD from a noised
   * evaluation, {@code unit} what ε protects, and the DP plan behind it (issue 23 #7): Poisson rate q,
   * noise multiplier sigma, clip norm C and DP-SGD steps.
   */
  record RoundSpend(String dataset, double epsilonRound, double epsilonAfter, double delta, String mechanism,
      String unit, double samplingRate, double noiseMultiplier, double clipNorm, long steps) {
    /** "training", "evaluation" or "statistics" (issue 23 #2), as the text output names it. */
    String what() {
      return io.cohort.crypto.ledger.Spend.EVALUATION_MECHANISM.equals(mechanism) ? "evaluation"
          : io.cohort.crypto.ledger.Spend.STATISTICS_MECHANISM.equals(mechanism) ? "statistics" : "training";
    }
  }

  @Override
  public Integer call() throws IOException, CommandFailure {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!output.equals("text") && !output.equals("json")) {
      err.println("cohort-node: --output must be text or json, got '" + output + "'");
      return ExitCode.USAGE.code();
    }
    NodeConfig cfg = config.load();
    Path logFile = UploadLog.pathFor(cfg);
    List<UploadLog.Entry> uploads;
    try {
      uploads = UploadLog.read(logFile);
    } catch (IOException e) {
      err.println("cohort-node: " + e.getMessage());
      return ExitCode.FAILED.code();
    }
    int status = ExitCode.OK.code();
    Map<String, List<RoundSpend>> spend = new HashMap<>();
    List<DatasetBudgets.DatasetBudget> budgets = DatasetBudgets.read(cfg);
    for (DatasetBudgets.DatasetBudget d : budgets) {
      if (!d.verifies()) {
        err.println("cohort-node: the privacy ledger of dataset '" + d.alias() + "' does not verify ("
            + d.verification().orElseThrow() + "); its spend is not shown");
        status = ExitCode.FAILED.code();
        continue;
      }
      if (d.rollback().isPresent()) {
        err.println("cohort-node: the privacy ledger of dataset '" + d.alias() + "' was rolled back: it "
            + d.rollback().get() + "; the node refuses offers and rounds on it");
        status = ExitCode.FAILED.code();
      }
      double before = 0;
      for (VerifiedLedgerEntry e : d.entries()) {
        spend.computeIfAbsent(key(e.spend().jobId(), e.spend().round()), k -> new ArrayList<>())
            .add(new RoundSpend(d.alias(), e.epsilonAfter() - before, e.epsilonAfter(), d.budget().orElseThrow().delta(),
                e.spend().mechanism(), e.spend().unit(),
                e.spend().segment().samplingProbability(), e.spend().segment().noiseMultiplier(), e.spend().clipNorm(),
                e.spend().segment().steps()));
        before = e.epsilonAfter();
      }
    }
    List<UploadLog.Entry> shown = uploads.stream().filter(u -> job == null || u.jobId().equals(job)).toList();
    List<DatasetBudgets.DatasetBudget> budgeted = budgets.stream()
        .filter(d -> d.budget().isPresent() && d.verifies()).toList();
    if (output.equals("json")) {
      out.println(json(cfg, logFile, shown, spend, budgeted));
    } else {
      for (DatasetBudgets.DatasetBudget d : budgeted) {
        // Issue 22 #2: what accepted jobs reserved, beside what was spent.
        out.printf(Locale.ROOT, "dataset %s: budget epsilon %s, spent %.4f, reserved %.4f (%d accepted jobs),"
            + " remaining %.4f%n", d.alias(), d.budget().get().epsilonBudget(), d.spentEpsilon(), d.reservedEpsilon(),
            d.reservedJobs(), d.remainingEpsilon());
      }
      text(out, cfg, logFile, shown, spend);
    }
    out.flush();
    return status;
  }

  private static String key(String jobId, long round) {
    return jobId + "\u0000" + round;
  }

  private static String json(NodeConfig cfg, Path logFile, List<UploadLog.Entry> uploads,
      Map<String, List<RoundSpend>> spend, List<DatasetBudgets.DatasetBudget> budgeted) throws IOException {
    JsonMapper json = JsonMapper.builder().build();
    ObjectNode root = json.createObjectNode();
    root.put("node_id", cfg.nodeId());
    root.put("upload_log", logFile.toString());
    ArrayNode datasets = root.putArray("datasets");
    for (DatasetBudgets.DatasetBudget d : budgeted) {
      datasets.addObject().put("dataset", d.alias()).put("budget_epsilon", d.budget().get().epsilonBudget())
          .put("spent_epsilon", d.spentEpsilon()).put("reserved_epsilon", d.reservedEpsilon())
          .put("reserved_jobs", d.reservedJobs()).put("remaining_epsilon", d.remainingEpsilon())
          .put("rolled_back", d.rollback().orElse(null));
    }
    ArrayNode list = root.putArray("uploads");
    long total = 0;
    for (UploadLog.Entry u : uploads) {
      ObjectNode o = list.addObject();
      o.put("time", Instant.ofEpochMilli(u.timeMs()).toString());
      o.put("time_ms", u.timeMs());
      o.put("job_id", u.jobId());
      o.put("round", u.round());
      o.put("kind", u.kind());
      o.put("detail", u.detail());
      o.put("bytes", u.bytes());
      o.put("outcome", u.outcome());
      ArrayNode p = o.putArray("privacy_spend");
      for (RoundSpend s : spend.getOrDefault(key(u.jobId(), u.round()), List.of())) {
        p.addObject().put("dataset", s.dataset()).put("epsilon_round", s.epsilonRound())
            .put("epsilon_after", s.epsilonAfter()).put("delta", s.delta()).put("mechanism", s.mechanism())
            .put("unit", s.unit()).put("sampling_rate", s.samplingRate())
            .put("noise_multiplier", s.noiseMultiplier()).put("clip_norm", s.clipNorm()).put("steps", s.steps());
      }
      total += u.bytes();
    }
    root.put("total_bytes", total);
    return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static void text(PrintWriter out, NodeConfig cfg, Path logFile, List<UploadLog.Entry> uploads,
      Map<String, List<RoundSpend>> spend) {
    out.printf("uploads of node %s (log %s)%n", cfg.nodeId(), logFile);
    if (uploads.isEmpty()) {
      out.println("nothing has left this node");
      return;
    }
    out.printf("%-24s  %-24s  %5s  %-16s  %12s  %-10s  %s%n", "time", "job", "round", "kind", "bytes", "outcome",
        "privacy spend");
    long total = 0;
    for (UploadLog.Entry u : uploads) {
      List<String> spent = new ArrayList<>();
      for (RoundSpend s : spend.getOrDefault(key(u.jobId(), u.round()), List.of())) {
        spent.add(String.format(Locale.ROOT, "%s: +%.4f -> epsilon %.4f per %s (%s; q %.4g, sigma %.4g, C %.4g, %d steps)",
            s.dataset(), s.epsilonRound(), s.epsilonAfter(), s.unit(), s.what(), s.samplingRate(), s.noiseMultiplier(),
            s.clipNorm(), s.steps()));
      }
      out.printf(Locale.ROOT, "%-24s  %-24s  %5d  %-16s  %12d  %-10s  %s%n", Instant.ofEpochMilli(u.timeMs()),
          u.jobId(), u.round(), u.kind(), u.bytes(), u.outcome(), spent.isEmpty() ? "-" : String.join("; ", spent));
      total += u.bytes();
    }
    out.printf("%d uploads, %d bytes%n", uploads.size(), total);
  }
}
