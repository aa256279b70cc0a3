package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort job watch JOB}: follows a job until it ends. On a terminal, a status line
 * (state, round, participants, latest metrics) is redrawn in place above the finished rounds and
 * each node's answer to the offer (accepted, or declined with its reason) as it arrives; when
 * stdout is not a terminal, each event is one plain line (with {@code --output json}, one JSON
 * object per line). Exit code 0 when the job completes, 1 when it fails or is cancelled.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Follow a job live: each node's accept or decline as it comes, rounds, participants and metrics,"
        + " until it ends.",
        "Exit code 0 when it completes, 1 when it fails or is cancelled."})
final class JobWatch implements Callable<Integer> {
  @Mixin CohortCli.Connection connection = new CohortCli.Connection();
  @Mixin CohortCli.Output output = new CohortCli.Output();
  @Parameters(paramLabel = "JOB") String jobId;
  @Option(names = "--interval", defaultValue = "1s", description = "Polling interval, e.g. 500ms or 2s (default: ${DEFAULT-VALUE}).")
  String interval;
  @Option(names = "--patience", defaultValue = "60s",
      description = "How long to keep retrying while the coordinator is unreachable (default: ${DEFAULT-VALUE}).")
  String patience;

  @Override
  public Integer call() throws Exception {
    long pollMillis = Durations.parse("--interval", interval).toMillis();
    long patienceMillis = Durations.parse("--patience", patience).toMillis();
    AdminClient client = connection.client();
    boolean live = System.console() != null && !output.json();
    PrintStream out = System.out;
    int printed = 0;
    String lastState = "";
    java.util.Map<String, String> answers = new java.util.HashMap<>();
    long unreachableSince = -1;
    while (true) {
      JsonNode d;
      try {
        d = client.get("/api/v1/jobs/" + Urls.encode(jobId));
        unreachableSince = -1;
      } catch (CliException e) {
        if (e.exitCode() != CliException.UNREACHABLE) {
          throw e;
        }
        long now = System.currentTimeMillis();
        unreachableSince = unreachableSince < 0 ? now : unreachableSince;
        if (now - unreachableSince > patienceMillis) {
          throw e;
        }
        Thread.sleep(pollMillis);
        continue;
      }
      JsonNode job = d.path("job");
      String state = job.path("state").asText();
      boolean terminal = !state.equals("OFFERED") && !state.equals("RUNNING");
      JsonNode rounds = d.path("rounds");
      if (live) {
        out.print("\r\033[2K");
      }
      // Issue 22 #10: each node's answer to the offer as it arrives, not only in `job status`.
      for (JsonNode n : d.path("nodes")) {
        String node = n.path("node_id").asText();
        String answer = n.path("accepted").asBoolean() ? "accepted"
            : "declined" + (n.hasNonNull("reason") ? ": " + n.path("reason").asText() : "");
        if (!answer.equals(answers.put(node, answer))) {
          out.println(output.json() ? event("answer", n) : "node " + node + " " + answer);
        }
      }
      while (printed < rounds.size() && (rounds.get(printed).hasNonNull("evaluation") || terminal)) {
        JsonNode r = rounds.get(printed++);
        out.println(output.json() ? event("round", r) : JobCommand.RoundLine.format(r));
        if (!output.json() && !live && r.hasNonNull("evaluation")) {
          // Issue 23 #7: elapsed since submission and time left, on stderr so that stdout stays the rounds.
          System.err.println(Progress.line("job " + jobId, "round", r.path("round").asInt(),
              job.path("rounds_total").asInt(), sinceCreated(job)));
        }
      }
      if (!state.equals(lastState) && !live) {
        out.println(output.json() ? event("state", job) : "job " + jobId + " " + state + " " + progress(job));
      }
      lastState = state;
      if (terminal) {
        if (live) {
          out.println("job " + jobId + " " + state + " " + progress(job)
              + (job.hasNonNull("failure_reason") ? ": " + job.path("failure_reason").asText() : ""));
        } else if (job.hasNonNull("failure_reason") && !output.json()) {
          out.println("reason: " + job.path("failure_reason").asText());
        }
        out.flush();
        return state.equals("COMPLETED") ? 0 : CliException.FAILED;
      }
      if (live) {
        out.print(statusLine(job, rounds, d.path("nodes")));
      }
      out.flush();
      Thread.sleep(pollMillis);
    }
  }

  /** Milliseconds since the job was submitted; 0 when the coordinator did not say when. */
  private static long sinceCreated(JsonNode job) {
    try {
      return Math.max(0, System.currentTimeMillis()
          - java.time.Instant.parse(job.path("created_at").asText()).toEpochMilli());
    } catch (java.time.format.DateTimeParseException e) {
      return 0;
    }
  }

  private static String progress(JsonNode job) {
    return job.path("rounds_completed").asInt() + "/" + job.path("rounds_total").asInt() + " rounds";
  }

  private String statusLine(JsonNode job, JsonNode rounds, JsonNode nodes) {
    long accepted = 0;
    for (JsonNode n : nodes) {
      accepted += n.path("accepted").asBoolean() ? 1 : 0;
    }
    String metrics = "";
    if (!rounds.isEmpty()) {
      JsonNode e = rounds.get(rounds.size() - 1).path("evaluation");
      if (e.isObject()) {
        metrics = String.format(Locale.ROOT, "  loss %.4f  roc_auc %.4f", e.path("loss").asDouble(Double.NaN),
            e.path("roc_auc").asDouble(Double.NaN));
      }
    }
    int done = job.path("rounds_completed").asInt();
    int total = job.path("rounds_total").asInt();
    long elapsed = sinceCreated(job);
    String time = elapsed == 0 ? "" : "  " + Progress.duration(elapsed) + " elapsed" + (done == 0 || done >= total ? ""
        : ", about " + Progress.duration(Math.round((double) elapsed / done * (total - done))) + " left");
    return String.format(Locale.ROOT, "job %s %s  round %d/%d  nodes accepted %d/%d%s%s", jobId,
        job.path("state").asText(), done, total, accepted, nodes.size(), metrics, time);
  }

  private String event(String kind, JsonNode body) {
    var n = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    n.put("event", kind);
    n.put("job_id", jobId);
    n.set(kind.equals("state") ? "job" : kind, body);
    return n.toString();
  }

  /** Durations such as {@code 500ms}, {@code 2s}, {@code 1m}. */
  static final class Durations {
    private Durations() {}

    static Duration parse(String option, String s) throws CliException {
      var m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(s.strip());
      if (!m.matches()) {
        throw new CliException(CliException.USAGE, option + " must look like 500ms, 2s or 1m, got '" + s + "'");
      }
      long v = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(v);
        case "s" -> Duration.ofSeconds(v);
        default -> Duration.ofMinutes(v);
      };
      if (d.toMillis() < 100) {
        throw new CliException(CliException.USAGE, option + " must be at least 100ms, got '" + s + "'");
      }
      return d;
    }
  }
}
