package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cohort job submit|list|status|watch|cancel|export|verify-export}. */
@Command(name = "job", mixinStandardHelpOptions = true, description = "Submit, watch, cancel and export jobs.",
    subcommands = {JobCommand.Submit.class, JobCommand.ListJobs.class, JobCommand.Status.class, JobWatch.class,
        JobCommand.Cancel.class, JobExport.class, VerifyExport.class})
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
      String source = java.net.URLEncoder.encode(file.toString(), java.nio.charset.StandardCharsets.UTF_8);
      JsonNode job = connection.client().postYaml("/api/v1/jobs?source=" + source, yaml);
      System.out.println(output.json() ? job.toPrettyString() : job.path("job_id").asText());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs.")
  static final class ListJobs implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();

    @Override
    public Integer call() throws Exception {
      JsonNode jobs = connection.client().get("/api/v1/jobs");
      if (output.json()) {
        System.out.println(jobs.toPrettyString());
        return 0;
      }
      System.out.printf("%-18s %-10s %-8s %-20s%n", "JOB", "STATE", "ROUNDS", "NAME");
      for (JsonNode j : jobs) {
        System.out.printf("%-18s %-10s %-8s %-20s%n", j.path("job_id").asText(), j.path("state").asText(),
            j.path("rounds_completed").asInt() + "/" + j.path("rounds_total").asInt(), j.path("name").asText());
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
      JsonNode d = connection.client().get("/api/v1/jobs/" + Urls.encode(jobId));
      if (output.json()) {
        System.out.println(d.toPrettyString());
        return 0;
      }
      JsonNode j = d.path("job");
      System.out.printf("job %s (%s): %s, %d/%d rounds%n", j.path("job_id").asText(), j.path("name").asText(),
          j.path("state").asText(), j.path("rounds_completed").asInt(), j.path("rounds_total").asInt());
      System.out.println("secure aggregation: " + j.path("secure_aggregation").asText("OFF"));
      if (j.hasNonNull("failure_reason")) {
        System.out.println("failure: " + j.path("failure_reason").asText());
      }
      for (JsonNode n : d.path("nodes")) {
        System.out.println("node " + n.path("node_id").asText() + ": "
            + (n.path("accepted").asBoolean() ? "accepted" : "declined: " + n.path("reason").asText()));
      }
      for (JsonNode r : d.path("rounds")) {
        System.out.println(RoundLine.format(r));
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
      JsonNode j = connection.client().postJson("/api/v1/jobs/" + Urls.encode(jobId) + "/cancel", java.util.Map.of());
      System.out.println(output.json() ? j.toPrettyString() : "job " + jobId + " " + j.path("state").asText());
      return 0;
    }
  }

  /** One line per round, shared by status and simulate. */
  public static final class RoundLine {
    private RoundLine() {}

    public static String format(JsonNode r) {
      return format(r, false);
    }

    /**
     * As {@link #format(JsonNode)}; for a causal-LM job ({@code languageModel}) the pooled loss is the
     * mean next-token NLL over the held-out tokens ({@code examples} counts tokens), shown with its
     * perplexity instead of classification metrics.
     */
    public static String format(JsonNode r, boolean languageModel) {
      JsonNode e = r.path("evaluation");
      if (languageModel && !e.isMissingNode() && !e.isNull()) {
        double nll = e.path("loss").asDouble(Double.NaN);
        return String.format(Locale.ROOT, "round %3d  participants %d/%d  mean NLL %.4f  perplexity %.4g  (%d held-out"
            + " tokens)  [%d ms]", r.path("round").asInt(), r.path("contributors").size(), r.path("participants").size(),
            nll, Math.exp(nll), e.path("examples").asLong(), r.path("duration_ms").asLong());
      }
      String metrics = e.isMissingNode() || e.isNull() ? "evaluation pending"
          : String.format(Locale.ROOT, "loss %.4f  accuracy %.4f  roc_auc %.4f%s  (%d held-out examples)",
              e.path("loss").asDouble(Double.NaN), e.path("accuracy").asDouble(Double.NaN),
              e.path("roc_auc").asDouble(Double.NaN),
              e.hasNonNull("f1") ? String.format(Locale.ROOT, "  f1 %.4f", e.path("f1").asDouble()) : "",
              e.path("examples").asLong());
      return String.format(Locale.ROOT, "round %3d  participants %d/%d  %s  [%d ms]", r.path("round").asInt(),
          r.path("contributors").size(), r.path("participants").size(), metrics, r.path("duration_ms").asLong());
    }
  }
}
