package io.cohort.cli;

import io.cohort.adminapi.CurvesView;
import io.cohort.adminapi.JobDetail;
import io.cohort.adminapi.JobSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort job report JOB --out DIR} (issue 23 #7): the job's ROC and precision–recall curves of its newest
 * evaluated round as PNG and SVG, each round's pooled metrics and each node's own as CSV, and a Markdown summary
 * that holds both tables and says what the per-node numbers are under the job's privacy. Everything comes from
 * the admin API ({@code /api/v1/jobs/ID} and {@code /api/v1/jobs/ID/curves}); nothing is recomputed here.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Write a job's ROC and precision-recall curves (PNG and SVG), its per-round and per-node metrics"
        + " (CSV) and a Markdown summary into a directory.",
        "Exit code 2 for an unknown job or an --out that is not a writable directory."})
final class JobReport implements Callable<Integer> {
  @Mixin CohortCli.Connection connection = new CohortCli.Connection();
  @Parameters(paramLabel = "JOB") String jobId;
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into (created).")
  Path out;
  @Option(names = "--round", paramLabel = "N", description = "Round whose curves to draw (default: the newest"
      + " evaluated one).")
  Integer round;

  @Override
  public Integer call() throws Exception {
    // Charts are drawn off-screen: no display is needed (or wanted) on a server.
    System.setProperty("java.awt.headless", "true");
    AdminClient client = connection.client();
    JobDetail d = client.get("/api/v1/jobs/" + Urls.encode(jobId), JobDetail.class);
    CurvesView curves = curves(client);
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "--out " + out + ": cannot create the directory: " + e.getMessage());
    }
    List<String> written = new ArrayList<>();
    try {
      if (curves != null) {
        ReportCharts.writePng(ReportCharts.roc(jobId, curves), write(written, "roc.png"));
        ReportCharts.writeSvg(ReportCharts.roc(jobId, curves), write(written, "roc.svg"));
        ReportCharts.writePng(ReportCharts.precisionRecall(jobId, curves), write(written, "pr.png"));
        ReportCharts.writeSvg(ReportCharts.precisionRecall(jobId, curves), write(written, "pr.svg"));
        Files.writeString(write(written, "curves.csv"), curvesCsv(curves), StandardCharsets.UTF_8);
      }
      Files.writeString(write(written, "rounds.csv"),
          ReportTables.csv(ReportTables.ROUND_COLUMNS, ReportTables.roundRows(d)), StandardCharsets.UTF_8);
      Files.writeString(write(written, "nodes.csv"),
          ReportTables.csv(ReportTables.NODE_COLUMNS, ReportTables.nodeRows(d)), StandardCharsets.UTF_8);
      Path summary = write(written, "summary.md");
      Files.writeString(summary, summary(d, curves, written), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "--out " + out + ": cannot write: " + e.getMessage());
    }
    for (String f : written) {
      System.out.println(out.resolve(f));
    }
    return 0;
  }

  /** The curves, or null where the coordinator has none (not a binary classification job, or not evaluated). */
  private CurvesView curves(AdminClient client) throws CliException {
    try {
      return client.get("/api/v1/jobs/" + Urls.encode(jobId) + "/curves" + (round == null ? "" : "?round=" + round),
          CurvesView.class);
    } catch (CliException e) {
      if (round != null || e.exitCode() != CliException.USAGE) {
        throw e;
      }
      return null;
    }
  }

  private Path write(List<String> written, String name) {
    written.add(name);
    return out.resolve(name);
  }

  static String curvesCsv(CurvesView c) {
    StringBuilder s = new StringBuilder("curve,threshold,x,y\n");
    c.roc().forEach(p -> s.append(String.format(Locale.ROOT, "roc,%s,%s,%s%n", p.threshold(), p.fpr(), p.tpr())));
    c.precisionRecall().forEach(p -> s.append(String.format(Locale.ROOT, "pr,%s,%s,%s%n", p.threshold(), p.recall(),
        p.precision())));
    return s.toString();
  }

  private String summary(JobDetail d, CurvesView c, List<String> files) {
    JobSummary j = d.job();
    StringBuilder s = new StringBuilder();
    s.append("# Job ").append(j.jobId()).append(j.name() == null ? "" : " (" + j.name() + ")").append("\n\n");
    s.append(String.format(Locale.ROOT, "State %s, %d of %d rounds, dataset %s.%n%n", j.state(), j.roundsCompleted(),
        j.roundsTotal(), JobCommand.text(j.dataset())));
    s.append("## Pooled evaluation per round\n\n");
    s.append(ReportTables.markdown(ReportTables.ROUND_COLUMNS, ReportTables.roundRows(d))).append('\n');
    if (c == null) {
      s.append("No ROC or precision-recall curves: the coordinator keeps them for evaluated rounds of binary"
          + " classification jobs only.\n\n");
    } else {
      s.append(String.format(Locale.ROOT, "## Curves of round %d%n%nFrom the pooled score histograms (%d bins, %d"
          + " positive and %d negative examples): ROC AUC %s, average precision %s.%n%n![ROC curve](roc.svg)%n%n"
          + "![Precision-recall curve](pr.svg)%n%n", c.round(), c.bins(), c.positives(), c.negatives(),
          ReportTables.num(c.rocAuc()), ReportTables.num(c.prAuc())));
    }
    s.append("## Each node's own metrics\n\n");
    if (d.nodeMetrics() != null) {
      s.append("Per-node metrics: ").append(d.nodeMetrics()).append(".\n\n");
    }
    List<List<String>> nodes = ReportTables.nodeRows(d);
    s.append(nodes.isEmpty() ? "No per-node metrics were kept for this job.\n\n"
        : ReportTables.markdown(ReportTables.NODE_COLUMNS, nodes) + "\n");
    s.append("Files: ").append(String.join(", ", files)).append(".\n");
    return s.toString();
  }
}
