package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.adminapi.Decision;
import io.cohort.adminapi.EvaluationView;
import io.cohort.adminapi.JobDetail;
import io.cohort.adminapi.JobSummary;
import io.cohort.adminapi.RoundView;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cohort job submit|list|status|watch|cancel|export|verify-export}. */
@Command(name = "job", mixinStandardHelpOptions = true, description = "Submit, watch, cancel and export jobs.",
    subcommands = {JobCommand.Submit.class, JobCommand.ListJobs.class, JobCommand.Status.class, JobWatch.class,
        JobCommand.Cancel.class, JobExport.class, VerifyExport.class, JobReport.class})
public final class JobCommand {

  @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a YAML job file; prints the job id.")
  static final class Submit implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Parameters(paramLabel = "FILE") Path file;

    @Override
    public Integer call() throws Exception {
      String yaml;
      try {
        yaml = Files.readString(file);
      } catch (NoSuchFileException e) {
        throw new CliException(CliException.USAGE, file + ": no such file");
      } catch (IOException e) {
        throw new CliException(CliException.USAGE, file + ": cannot be read (" + e.getMessage() + ")");
      }
      try {
        // A tabular job's model.config names a file here; the coordinator and nodes get its contents.
        yaml = io.cohort.coordinator.job.JobFiles.inlineModelFile(yaml, file);
      } catch (io.cohort.coordinator.job.JobFileException e) {
        throw new CliException(CliException.USAGE, e.getMessage());
      }
      String source = URLEncoder.encode(file.toString(), StandardCharsets.UTF_8);
      JsonNode job = connection.client().postYaml("/api/v1/jobs?source=" + source, yaml);
      System.out.println(output.json() ? job.toPrettyString() : AdminClient.as(job, JobSummary.class).jobId());
      printDpPlan(yaml);
      return 0;
    }

    /**
     * Issue 23 #7: a private job's DP plan, on stderr so that stdout stays the job id for scripts. The
     * coordinator accepted the file, so it parses; a failure here only loses the line.
     */
    private void printDpPlan(String yaml) {
      try {
        var spec = io.cohort.coordinator.job.JobFiles.parse(yaml, file.toString(), "submitted");
        String plan = io.cohort.coordinator.job.DpPlanLine.describe(spec, java.util.OptionalLong.empty());
        if (!plan.isEmpty()) {
          System.err.println("DP plan per node: " + plan);
        }
      } catch (io.cohort.coordinator.job.JobFileException | RuntimeException e) {
        // the plan is informational; the job is submitted either way
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs.")
  static final class ListJobs implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();

    @Override
    public Integer call() throws Exception {
      JsonNode reply = connection.client().get("/api/v1/jobs");
      if (output.printedAsJson(reply)) {
        return 0;
      }
      System.out.printf("%-18s %-10s %-8s %-20s%n", "JOB", "STATE", "ROUNDS", "NAME");
      for (JobSummary j : AdminClient.as(reply, JobSummary[].class)) {
        System.out.printf("%-18s %-10s %-8s %-20s%n", text(j.jobId()), text(j.state()),
            j.roundsCompleted() + "/" + j.roundsTotal(), text(j.name()));
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job: nodes' answers and rounds.")
  static final class Status implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Parameters(paramLabel = "JOB") String jobId;

    @Override
    public Integer call() throws Exception {
      JsonNode reply = connection.client().get("/api/v1/jobs/" + Urls.encode(jobId));
      if (output.printedAsJson(reply)) {
        return 0;
      }
      JobDetail d = AdminClient.as(reply, JobDetail.class);
      JobSummary j = d.job();
      System.out.printf("job %s (%s): %s, %d/%d rounds%n", text(j.jobId()), text(j.name()), text(j.state()),
          j.roundsCompleted(), j.roundsTotal());
      System.out.println("secure aggregation: " + (j.secureAggregation() == null ? "OFF" : j.secureAggregation()));
      if (j.failureReason() != null) {
        System.out.println("failure: " + j.failureReason());
      }
      for (Decision n : listOf(d.nodes())) {
        System.out.println("node " + text(n.nodeId()) + ": " + (n.accepted() ? "accepted" : "declined: " + text(n.reason())));
      }
      for (RoundView r : listOf(d.rounds())) {
        System.out.println(RoundLine.format(r));
        for (io.cohort.adminapi.NodeEvaluationView n : listOf(r.nodeEvaluations())) {
          System.out.println(NodeLine.format(n));
        }
      }
      if (d.nodeMetrics() != null && !listOf(d.rounds()).isEmpty()) {
        System.out.println("per-node metrics: " + d.nodeMetrics());
      }
      AuditLines.print(System.out, d.audits());
      if (j.task() == null || j.task().contains("tabular")) {
        try {
          FeatureStatisticsLines.print(System.out, connection.client().get("/api/v1/jobs/" + Urls.encode(jobId)
              + "/statistics", io.cohort.adminapi.FeatureStatisticsView.class));
        } catch (CliException e) {
          // a coordinator from before issue 23 #2 has no statistics endpoint; the status above stands
        }
      }
      return 0;
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel an offered or running job.")
  static final class Cancel implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Parameters(paramLabel = "JOB") String jobId;

    @Override
    public Integer call() throws Exception {
      JsonNode j = connection.client().postJson("/api/v1/jobs/" + Urls.encode(jobId) + "/cancel", Map.of());
      System.out.println(output.json() ? j.toPrettyString()
          : "job " + jobId + " " + text(AdminClient.as(j, JobSummary.class).state()));
      return 0;
    }
  }

  /** One line per round, shared by status and simulate. */
  public static final class RoundLine {
    private RoundLine() {}

    public static String format(RoundView r) {
      return format(r, false);
    }

    /**
     * As {@link #format(RoundView)}; for a causal-LM job ({@code languageModel}) the pooled loss is
     * the mean next-token NLL over the held-out tokens ({@code examples} counts tokens), shown with
     * its perplexity instead of classification metrics.
     */
    public static String format(RoundView r, boolean languageModel) {
      EvaluationView e = r.evaluation();
      if (languageModel && e != null) {
        double nll = orNaN(e.loss());
        return String.format(Locale.ROOT, "round %3d  participants %d/%d  mean NLL %.4f  perplexity %.4g  (%d held-out"
            + " tokens)  [%d ms]", r.round(), listOf(r.contributors()).size(), listOf(r.participants()).size(), nll,
            Math.exp(nll), e.examples(), r.durationMs());
      }
      String metrics = e == null ? "evaluation pending"
          : e.rmse() != null ? String.format(Locale.ROOT, "loss %.4f  rmse %.4f  mae %.4f  r2 %.4f  (%d held-out"
              + " examples)", orNaN(e.loss()), e.rmse(), orNaN(e.mae()), orNaN(e.r2()), e.examples())
          : String.format(Locale.ROOT, "loss %.4f  accuracy %.4f  roc_auc %.4f%s  (%d held-out examples)",
              orNaN(e.loss()), orNaN(e.accuracy()), orNaN(e.rocAuc()),
              e.f1() != null ? String.format(Locale.ROOT, "  f1 %.4f", e.f1()) + tuned(e) : "", e.examples());
      return String.format(Locale.ROOT, "round %3d  participants %d/%d  %s  [%d ms]", r.round(),
          listOf(r.contributors()).size(), listOf(r.participants()).size(), metrics, r.durationMs());
    }

    /** F1 at the pooled histograms' F1-maximising threshold, and PR AUC, where the coordinator reports them. */
    private static String tuned(EvaluationView e) {
      String best = e.bestF1() == null || e.bestThreshold() == null ? ""
          : String.format(Locale.ROOT, " (best %.4f at %.3f)", e.bestF1(), e.bestThreshold());
      return best + (e.prAuc() == null ? "" : String.format(Locale.ROOT, "  pr_auc %.4f", e.prAuc()));
    }

    /**
     * A chat SFT job's round: the pooled loss is the mean NLL over the held-out assistant tokens
     * ({@code examples} counts them) and the accuracy is the exact match of greedy answers.
     */
    public static String formatChat(RoundView r) {
      EvaluationView e = r.evaluation();
      String metrics = e == null ? "evaluation pending"
          : e.rmse() != null ? String.format(Locale.ROOT, "loss %.4f  rmse %.4f  mae %.4f  r2 %.4f  (%d held-out"
              + " examples)", orNaN(e.loss()), e.rmse(), orNaN(e.mae()), orNaN(e.r2()), e.examples())
          : String.format(Locale.ROOT, "assistant NLL %.4f  exact match %.4f  (%d held-out assistant tokens)",
              orNaN(e.loss()), orNaN(e.accuracy()), e.examples());
      return String.format(Locale.ROOT, "round %3d  participants %d/%d  %s  [%d ms]", r.round(),
          listOf(r.contributors()).size(), listOf(r.participants()).size(), metrics, r.durationMs());
    }

    /** A round of a reply read as a tree (as {@code cohort job watch} and the simulator poll it). */
    public static String format(JsonNode r) throws CliException {
      return format(AdminClient.as(r, RoundView.class));
    }

    private static double orNaN(Double d) {
      return d == null ? Double.NaN : d;
    }
  }

  /** Issue 23 #7: one node's own metrics in a round, indented under the round's line. */
  static final class NodeLine {
    private NodeLine() {}

    static String format(io.cohort.adminapi.NodeEvaluationView n) {
      StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "    node %s (%s): %d examples", text(n.nodeId()),
          text(n.released()), n.examples()));
      metric(s, "loss", n.loss());
      metric(s, "accuracy", n.accuracy());
      metric(s, "roc_auc", n.rocAuc());
      metric(s, "pr_auc", n.prAuc());
      metric(s, "f1", n.f1());
      metric(s, "rmse", n.rmse());
      metric(s, "mae", n.mae());
      metric(s, "r2", n.r2());
      return s.toString();
    }

    private static void metric(StringBuilder s, String name, Double v) {
      if (v != null && !v.isNaN()) {
        s.append(String.format(Locale.ROOT, "  %s %.4f", name, v));
      }
    }
  }

  /** An absent text field prints as nothing, as the untyped replies printed it. */
  static String text(String s) {
    return s == null ? "" : s;
  }

  static <T> List<T> listOf(List<T> list) {
    return list == null ? List.of() : list;
  }
}
