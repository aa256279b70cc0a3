package io.cohort.coordinator.rest;

import io.cohort.adminapi.AuditCheck;
import io.cohort.adminapi.Decision;
import io.cohort.adminapi.EvaluationView;
import io.cohort.adminapi.JobSummary;
import io.cohort.adminapi.NodeView;
import io.cohort.adminapi.PrivacyAuditView;
import io.cohort.adminapi.RoundMetrics;
import io.cohort.adminapi.CurvesView;
import io.cohort.adminapi.NodeEvaluationView;
import io.cohort.adminapi.RoundView;
import io.cohort.coordinator.store.NodeEvaluation;
import io.cohort.coordinator.store.ScoreHistograms;
import io.cohort.wire.Curves;
import io.cohort.coordinator.audit.AuditVerification;
import io.cohort.coordinator.round.SecAggSettings;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.NodeDecision;
import io.cohort.coordinator.store.NodeRecord;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.proto.v1.TaskType;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Maps the coordinator's stored records to the admin API's JSON records (module admin-api). */
final class Views {
  private Views() {}

  static JobSummary jobSummary(JobRecord j) {
    return jobSummary(j, 0);
  }

  /** {@code nodes}: the size of the latest round, so the threshold reads "t of n"; 0 when unknown. */
  static JobSummary jobSummary(JobRecord j, int nodes) {
    return new JobSummary(j.jobId(), j.spec().getName(), taskName(j.spec().getTask()), j.state().name(),
        j.spec().getDatasetAlias(), j.spec().getRounds(), j.completedRounds(), j.spec().getMinNodes(),
        j.failureReason(), j.createdAt().toString(), SecAggSettings.describe(j.spec(), nodes));
  }

  static Decision decision(NodeDecision d) {
    return new Decision(d.jobId(), d.nodeId(), d.accepted(), d.reason(), d.decidedAt().toString());
  }

  static RoundMetrics roundMetrics(RoundRecord r) {
    RoundRecord.Evaluation e = r.evaluation();
    return new RoundMetrics(r.round(), r.participants().size(), r.contributors().size(), r.numExamples(),
        durationMs(r), e == null ? null : e.nodes(), e == null ? null : e.examples(),
        e == null ? null : nan(e.loss()), e == null ? null : nan(e.accuracy()),
        e == null ? null : nan(e.rocAuc()), e == null ? null : nan(e.f1()), e == null ? null : nan(e.prAuc()),
        e == null ? null : nan(e.precision()), e == null ? null : nan(e.recall()),
        e == null ? null : nan(e.bestThreshold()), e == null ? null : nan(e.bestF1()),
        e == null ? null : nan(e.rmse()), e == null ? null : nan(e.mae()), e == null ? null : nan(e.r2()));
  }

  static RoundView round(RoundRecord r) {
    return round(r, null);
  }

  /** A round with each node's own metrics ({@code nodes}: that round's; null leaves them out). */
  static RoundView round(RoundRecord r, java.util.List<NodeEvaluation> nodes) {
    RoundRecord.Evaluation e = r.evaluation();
    return new RoundView(r.round(), r.attempt(), r.participants(), r.contributors(), r.numExamples(),
        r.modelSha256(), durationMs(r),
        e == null ? null : new EvaluationView(e.nodes(), e.examples(), nan(e.loss()), nan(e.accuracy()),
            nan(e.rocAuc()), nan(e.f1()), nan(e.prAuc()), nan(e.precision()), nan(e.recall()),
            nan(e.bestThreshold()), nan(e.bestF1()), nan(e.rmse()), nan(e.mae()), nan(e.r2())),
        nodes == null || e == null ? null : nodes.stream().map(Views::nodeEvaluation).toList());
  }

  /** The curves of a round's pooled score histograms, from {@link Curves}, with their areas. */
  static CurvesView curves(int round, ScoreHistograms h) {
    List<Curves.RocPoint> roc = Curves.roc(h.positives(), h.negatives());
    List<Curves.PrPoint> pr = Curves.precisionRecall(h.positives(), h.negatives());
    return new CurvesView(round, h.positives().length, nan(Curves.trapezoidArea(roc)), nan(Curves.stepArea(pr)),
        java.util.Arrays.stream(h.positives()).sum(), java.util.Arrays.stream(h.negatives()).sum(),
        roc.stream().map(p -> new CurvesView.RocPoint(p.threshold(), p.falsePositiveRate(), p.truePositiveRate()))
            .toList(),
        pr.stream().map(p -> new CurvesView.PrPoint(p.threshold(), p.recall(), p.precision())).toList());
  }

  static NodeEvaluationView nodeEvaluation(NodeEvaluation n) {
    RoundRecord.Evaluation e = n.evaluation();
    return new NodeEvaluationView(n.nodeId(), e.examples(), nan(e.loss()), nan(e.accuracy()), nan(e.rocAuc()),
        nan(e.prAuc()), nan(e.f1()), nan(e.rmse()), nan(e.mae()), nan(e.r2()), n.released());
  }

  /** {@code lastSeen}: the later of the stored registration time and the last call in this process. */
  static NodeView node(NodeRecord n, boolean connected, Instant lastSeen) {
    return new NodeView(n.nodeId(), n.softwareVersion(), n.datasets(), connected, lastSeen.toString(), null);
  }

  static PrivacyAuditView privacyAudit(PrivacyAuditStore.Row a) {
    return new PrivacyAuditView(a.jobId(), a.nodeId(), a.round(), a.steps(), a.canaries(), a.guesses(), a.correct(),
        a.epsilonLowerBound(), a.delta(), a.confidence(), Double.isNaN(a.accountedEpsilon()) ? null : a.accountedEpsilon(),
        a.reportedAt().toString());
  }

  static AuditCheck auditCheck(AuditVerification v) {
    return new AuditCheck(v.ok(), v.entries(), v.firstBadSeq(), v.problem(), v.headSeq(), v.headHash());
  }

  /** The job file's spelling of a task, e.g. {@code sequence_classification}. */
  static String taskName(TaskType t) {
    return t == TaskType.TASK_TYPE_UNSPECIFIED ? null
        : t.name().substring("TASK_TYPE_".length()).toLowerCase(Locale.ROOT);
  }

  private static long durationMs(RoundRecord r) {
    return r.completedAt().toEpochMilli() - r.startedAt().toEpochMilli();
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
