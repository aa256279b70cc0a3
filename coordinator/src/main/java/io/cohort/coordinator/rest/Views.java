package io.cohort.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.coordinator.round.SecAggSettings;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.NodeDecision;
import io.cohort.coordinator.store.NodeRecord;
import io.cohort.coordinator.store.RoundRecord;
import java.util.List;

/** JSON shapes of the admin API (snake_case, stable, documented in docs/admin-api.md). */
final class Views {
  private Views() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record JobSummary(
      @JsonProperty("job_id") String jobId,
      String name,
      String task,
      String state,
      String dataset,
      @JsonProperty("rounds_total") int roundsTotal,
      @JsonProperty("rounds_completed") int roundsCompleted,
      @JsonProperty("min_nodes") int minNodes,
      @JsonProperty("failure_reason") String failureReason,
      @JsonProperty("created_at") String createdAt,
      @JsonProperty("secure_aggregation") String secureAggregation) {
    static JobSummary of(JobRecord j) {
      return of(j, 0);
    }

    /** {@code nodes}: the size of the latest round, so the threshold reads "t of n"; 0 when unknown. */
    static JobSummary of(JobRecord j, int nodes) {
      return new JobSummary(j.jobId(), j.spec().getName(), taskName(j.spec().getTask()), j.state().name(),
          j.spec().getDatasetAlias(),
          j.spec().getRounds(), j.completedRounds(), j.spec().getMinNodes(), j.failureReason(), j.createdAt().toString(),
          SecAggSettings.describe(j.spec(), nodes));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Decision(@JsonProperty("job_id") String jobId, @JsonProperty("node_id") String nodeId, boolean accepted,
      String reason, @JsonProperty("decided_at") String decidedAt) {
    static Decision of(NodeDecision d) {
      return new Decision(d.jobId(), d.nodeId(), d.accepted(), d.reason(), d.decidedAt().toString());
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RoundMetrics(int round, int participants, int contributors, @JsonProperty("num_examples") long numExamples,
      @JsonProperty("duration_ms") long durationMs, @JsonProperty("eval_nodes") Integer evalNodes,
      @JsonProperty("eval_examples") Long evalExamples, Double loss, Double accuracy,
      @JsonProperty("roc_auc") Double rocAuc, Double f1) {
    static RoundMetrics of(RoundRecord r) {
      RoundRecord.Evaluation e = r.evaluation();
      return new RoundMetrics(r.round(), r.participants().size(), r.contributors().size(), r.numExamples(),
          r.completedAt().toEpochMilli() - r.startedAt().toEpochMilli(), e == null ? null : e.nodes(),
          e == null ? null : e.examples(), e == null ? null : nan(e.loss()), e == null ? null : nan(e.accuracy()),
          e == null ? null : nan(e.rocAuc()), e == null ? null : nan(e.f1()));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Round(int round, int attempt, List<String> participants, List<String> contributors,
      @JsonProperty("num_examples") long numExamples, @JsonProperty("model_sha256") String modelSha256,
      @JsonProperty("duration_ms") long durationMs, Evaluation evaluation) {
    static Round of(RoundRecord r) {
      RoundRecord.Evaluation e = r.evaluation();
      return new Round(r.round(), r.attempt(), r.participants(), r.contributors(), r.numExamples(), r.modelSha256(),
          r.completedAt().toEpochMilli() - r.startedAt().toEpochMilli(),
          e == null ? null : new Evaluation(e.nodes(), e.examples(), nan(e.loss()), nan(e.accuracy()), nan(e.rocAuc()),
              nan(e.f1())));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Evaluation(int nodes, long examples, Double loss, Double accuracy, @JsonProperty("roc_auc") Double rocAuc,
      Double f1) {}

  /** The job file's spelling of a task, e.g. {@code sequence_classification}. */
  static String taskName(io.cohort.proto.v1.TaskType t) {
    return t == io.cohort.proto.v1.TaskType.TASK_TYPE_UNSPECIFIED ? null
        : t.name().substring("TASK_TYPE_".length()).toLowerCase(java.util.Locale.ROOT);
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }

  record NodeStatus(Node node, @JsonProperty("first_seen") String firstSeen, List<Decision> jobs) {}

  record JobDetail(JobSummary job, List<Decision> nodes, List<Round> rounds) {}

  record Node(@JsonProperty("node_id") String nodeId, @JsonProperty("software_version") String softwareVersion,
      List<String> datasets, boolean connected, @JsonProperty("last_seen") String lastSeen) {
    /** {@code lastSeen}: the later of the stored registration time and the last call in this process. */
    static Node of(NodeRecord n, boolean connected, java.time.Instant lastSeen) {
      return new Node(n.nodeId(), n.softwareVersion(), n.datasets(), connected, lastSeen.toString());
    }
  }
}
