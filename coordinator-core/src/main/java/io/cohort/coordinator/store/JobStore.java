package io.cohort.coordinator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.coordinator.job.JobState;
import io.cohort.proto.v1.JobSpec;
import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.audit.AuditVerification;
import io.cohort.crypto.Digests;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Jobs, offers, rounds and nodes over plain JDBC, in SQL that runs on H2 and PostgreSQL.
 *
 * <p>The invariant that makes restarts safe: a round's row and the job's {@code completed_rounds}
 * change in one transaction, guarded by the expected previous count, so a round is recorded
 * exactly once and never lost once {@link #completeRound} returns.
 */
public final class JobStore {
  private final DataSource dataSource;
  private final AuditLog audit;
  private final Clock clock;

  /** A store whose audit entries are anchored in memory only (tests, tools). */
  public JobStore(DataSource dataSource) {
    this(dataSource, new AuditLog(), Clock.systemUTC());
  }

  /**
   * @param audit the audit log every state change is recorded in, in the same transaction
   * @param clock the time of audit entries that are not about a stored timestamp
   */
  public JobStore(DataSource dataSource, AuditLog audit, Clock clock) {
    this.dataSource = dataSource;
    this.audit = audit;
    this.clock = clock;
  }

  public AuditLog auditLog() {
    return audit;
  }

  private <T> T tx(String what, Sql.Work<T> work) {
    return Sql.tx(dataSource, what, work);
  }

  private <T> T audited(String what, Sql.Work<T> work) {
    return Sql.audited(dataSource, audit, what, work);
  }

  /** Records an event that changes no other table (a node leaving, a round attempt failing). */
  public void audit(AuditEvent event) {
    audited("record audit event " + event.action(), c -> audit.append(c, event, clock.instant()));
  }

  /** The audit entries after {@code afterSeq}, oldest first. */
  public List<AuditEntry> auditEntries(long afterSeq, int limit, String jobId, String nodeId) {
    return tx("read the audit log", c -> audit.list(c, afterSeq, limit, jobId, nodeId));
  }

  /** Recomputes the audit chain. */
  public AuditVerification verifyAudit() {
    return tx("verify the audit log", audit::verify);
  }

  private static Timestamp ts(Instant i) {
    return Timestamp.from(i);
  }

  public void createJob(JobSpec spec, Instant now) {
    createJob(spec, AuditEvent.SYSTEM, now);
  }

  /** Stores a new job, offered; {@code actor} is who submitted it, for the audit log. */
  public void createJob(JobSpec spec, String actor, Instant now) {
    audited("create job " + spec.getJobId(), c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO jobs (job_id, name, spec_json, state, total_rounds, completed_rounds, created_at, updated_at)"
              + " VALUES (?, ?, ?, ?, ?, 0, ?, ?)")) {
        ps.setString(1, spec.getJobId());
        ps.setString(2, spec.getName());
        ps.setString(3, toJson(spec));
        ps.setString(4, JobState.OFFERED.name());
        ps.setInt(5, spec.getRounds());
        ps.setTimestamp(6, ts(now));
        ps.setTimestamp(7, ts(now));
        ps.executeUpdate();
      }
      audit.append(c, new AuditEvent(actor, "job.submitted", spec.getJobId(), null, null,
          "name '" + spec.getName() + "', dataset '" + spec.getDatasetAlias() + "', " + spec.getRounds()
              + " rounds, min_nodes " + spec.getMinNodes() + ", spec sha256 " + Digests.sha256Hex(toJson(spec)
              .getBytes(java.nio.charset.StandardCharsets.UTF_8))), now);
      return null;
    });
  }

  public Optional<JobRecord> job(String jobId) {
    return tx("read job " + jobId, c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM jobs WHERE job_id = ?")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(job(rs)) : Optional.empty();
        }
      }
    });
  }

  public List<JobRecord> jobs() {
    return queryJobs("SELECT * FROM jobs ORDER BY created_at, job_id");
  }

  /** Jobs that are neither completed, failed nor cancelled: the ones to resume on start-up. */
  public List<JobRecord> activeJobs() {
    return queryJobs("SELECT * FROM jobs WHERE state IN ('OFFERED', 'RUNNING') ORDER BY created_at, job_id");
  }

  private List<JobRecord> queryJobs(String sql) {
    return tx("list jobs", c -> {
      List<JobRecord> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(job(rs));
        }
      }
      return out;
    });
  }

  /**
   * Moves a job to {@code state}. A job in a terminal state never changes again: the call then
   * returns false and changes nothing (a driver finishing a round after a cancel cannot revive it).
   */
  public boolean setState(String jobId, JobState state, String reason, Instant now) {
    return setState(jobId, state, reason, AuditEvent.SYSTEM, now);
  }

  /** As {@link #setState(String, JobState, String, Instant)}, naming who made the change. */
  public boolean setState(String jobId, JobState state, String reason, String actor, Instant now) {
    return audited("set state of job " + jobId, c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET state = ?, failure_reason = ?, updated_at = ?"
          + " WHERE job_id = ? AND state NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')")) {
        ps.setString(1, state.name());
        ps.setString(2, reason);
        ps.setTimestamp(3, ts(now));
        ps.setString(4, jobId);
        if (ps.executeUpdate() != 1) {
          try (PreparedStatement q = c.prepareStatement("SELECT state FROM jobs WHERE job_id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
              if (!rs.next()) {
                throw new SQLException("no job " + jobId);
              }
            }
          }
          return false;
        }
      }
      audit.append(c, new AuditEvent(actor, "job." + state.name().toLowerCase(java.util.Locale.ROOT), jobId, null,
          null, reason == null ? "state " + state.name() : "state " + state.name() + ": " + reason), now);
      return true;
    });
  }

  /** Records (or replaces) a node's answer to a job offer. */
  public void recordDecision(NodeDecision d) {
    audited("record decision of node " + d.nodeId(), c -> {
      try (PreparedStatement del = c.prepareStatement("DELETE FROM job_nodes WHERE job_id = ? AND node_id = ?")) {
        del.setString(1, d.jobId());
        del.setString(2, d.nodeId());
        del.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO job_nodes (job_id, node_id, accepted, reason, decided_at) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, d.jobId());
        ps.setString(2, d.nodeId());
        ps.setBoolean(3, d.accepted());
        ps.setString(4, d.reason());
        ps.setTimestamp(5, ts(d.decidedAt()));
        ps.executeUpdate();
      }
      audit.append(c, new AuditEvent("node:" + d.nodeId(), d.accepted() ? "node.accepted" : "node.declined",
          d.jobId(), null, d.nodeId(), d.accepted() ? "accepted the job offer" : "declined: " + d.reason()),
          d.decidedAt());
      return null;
    });
  }

  public List<NodeDecision> decisions(String jobId) {
    return tx("read decisions of job " + jobId, c -> {
      List<NodeDecision> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT * FROM job_nodes WHERE job_id = ? ORDER BY node_id")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new NodeDecision(rs.getString("job_id"), rs.getString("node_id"),
                rs.getBoolean("accepted"), rs.getString("reason"), rs.getTimestamp("decided_at").toInstant()));
          }
        }
      }
      return out;
    });
  }

  /**
   * Records a completed round and advances the job, atomically. Fails, changing nothing, unless
   * the job had exactly {@code round - 1} completed rounds: a round is never counted twice.
   */
  public void completeRound(RoundRecord r, Instant now) {
    audited("complete round " + r.round() + " of job " + r.jobId(), c -> {
      try (PreparedStatement up = c.prepareStatement("UPDATE jobs SET completed_rounds = ?, state = ?, updated_at = ?"
          + " WHERE job_id = ? AND completed_rounds = ? AND state IN ('OFFERED', 'RUNNING')")) {
        up.setInt(1, r.round());
        up.setString(2, JobState.RUNNING.name());
        up.setTimestamp(3, ts(now));
        up.setString(4, r.jobId());
        up.setInt(5, r.round() - 1);
        if (up.executeUpdate() != 1) {
          throw new IllegalStateException(
              "job " + r.jobId() + " is not active with " + (r.round() - 1) + " completed rounds; round " + r.round()
                  + " not recorded");
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO rounds (job_id, round, attempt, participants, contributors, num_examples, model_id,"
              + " model_sha256, started_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, r.jobId());
        ps.setInt(2, r.round());
        ps.setInt(3, r.attempt());
        ps.setString(4, String.join(",", r.participants()));
        ps.setString(5, String.join(",", r.contributors()));
        ps.setLong(6, r.numExamples());
        ps.setString(7, r.modelId());
        ps.setString(8, r.modelSha256());
        ps.setTimestamp(9, ts(r.startedAt()));
        ps.setTimestamp(10, ts(r.completedAt()));
        ps.executeUpdate();
      }
      audit.append(c, AuditEvent.system("round.completed", r.jobId(), r.round(), null, "attempt " + r.attempt()
          + ", participants " + r.participants() + ", contributors " + r.contributors() + ", " + r.numExamples()
          + " examples, model " + r.modelId() + " sha256 " + r.modelSha256()), now);
      return null;
    });
  }

  public void recordEvaluation(String jobId, int round, RoundRecord.Evaluation e) {
    recordEvaluation(jobId, round, e, null, List.of());
  }

  /**
   * Records a round's pooled evaluation with what its curves are drawn from ({@code histograms}, null when the
   * results had none) and each node's own metrics, in one transaction (a repeated evaluation replaces them).
   */
  public void recordEvaluation(String jobId, int round, RoundRecord.Evaluation e, ScoreHistograms histograms,
      List<NodeEvaluation> nodes) {
    audited("record evaluation of round " + round + " of job " + jobId, c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE rounds SET eval_positive_histogram = ?,"
          + " eval_negative_histogram = ? WHERE job_id = ? AND round = ?")) {
        ps.setString(1, histograms == null ? null : ScoreHistograms.encode(histograms.positives()));
        ps.setString(2, histograms == null ? null : ScoreHistograms.encode(histograms.negatives()));
        ps.setString(3, jobId);
        ps.setInt(4, round);
        ps.executeUpdate();
      }
      try (PreparedStatement del = c.prepareStatement(
          "DELETE FROM round_node_evaluations WHERE job_id = ? AND round = ?")) {
        del.setString(1, jobId);
        del.setInt(2, round);
        del.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO round_node_evaluations (job_id, round, node_id,"
          + " examples, loss, accuracy, roc_auc, pr_auc, f1, rmse, mae, r2, released)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (NodeEvaluation n : nodes) {
          RoundRecord.Evaluation ne = n.evaluation();
          ps.setString(1, jobId);
          ps.setInt(2, round);
          ps.setString(3, n.nodeId());
          ps.setLong(4, ne.examples());
          setDouble(ps, 5, ne.loss());
          setDouble(ps, 6, ne.accuracy());
          setDouble(ps, 7, ne.rocAuc());
          setDouble(ps, 8, ne.prAuc());
          setDouble(ps, 9, ne.f1());
          setDouble(ps, 10, ne.rmse());
          setDouble(ps, 11, ne.mae());
          setDouble(ps, 12, ne.r2());
          ps.setString(13, n.released());
          ps.executeUpdate();
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE rounds SET eval_nodes = ?, eval_examples = ?, eval_loss = ?, eval_accuracy = ?, eval_roc_auc = ?,"
              + " eval_f1 = ?, eval_pr_auc = ?, eval_precision = ?, eval_recall = ?, eval_best_threshold = ?,"
              + " eval_best_f1 = ?, eval_rmse = ?, eval_mae = ?, eval_r2 = ? WHERE job_id = ? AND round = ?")) {
        ps.setInt(1, e.nodes());
        ps.setLong(2, e.examples());
        setDouble(ps, 3, e.loss());
        setDouble(ps, 4, e.accuracy());
        setDouble(ps, 5, e.rocAuc());
        setDouble(ps, 6, e.f1());
        setDouble(ps, 7, e.prAuc());
        setDouble(ps, 8, e.precision());
        setDouble(ps, 9, e.recall());
        setDouble(ps, 10, e.bestThreshold());
        setDouble(ps, 11, e.bestF1());
        setDouble(ps, 12, e.rmse());
        setDouble(ps, 13, e.mae());
        setDouble(ps, 14, e.r2());
        ps.setString(15, jobId);
        ps.setInt(16, round);
        ps.executeUpdate();
      }
      audit.append(c, AuditEvent.system("round.evaluated", jobId, round, null, String.format(java.util.Locale.ROOT,
          "%d nodes, %d examples, loss %.6f, accuracy %.6f, roc_auc %.6f", e.nodes(), e.examples(), e.loss(),
          e.accuracy(), e.rocAuc()) + (Double.isNaN(e.rmse()) ? "" : String.format(java.util.Locale.ROOT,
          ", rmse %.6f, mae %.6f, r2 %.6f", e.rmse(), e.mae(), e.r2()))), clock.instant());
      return null;
    });
  }

  private static void setDouble(PreparedStatement ps, int i, double v) throws SQLException {
    if (Double.isNaN(v)) {
      ps.setNull(i, Types.DOUBLE);
    } else {
      ps.setDouble(i, v);
    }
  }

  private static double getDouble(ResultSet rs, String col) throws SQLException {
    double v = rs.getDouble(col);
    return rs.wasNull() ? Double.NaN : v;
  }

  /** Each node's own metrics in every evaluated round of the job, by round and then node. */
  public List<NodeEvaluation> nodeEvaluations(String jobId) {
    return tx("read node evaluations of job " + jobId, c -> {
      List<NodeEvaluation> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT * FROM round_node_evaluations WHERE job_id = ? ORDER BY round, node_id")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            double nan = Double.NaN;
            RoundRecord.Evaluation e = new RoundRecord.Evaluation(1, rs.getLong("examples"), getDouble(rs, "loss"),
                getDouble(rs, "accuracy"), getDouble(rs, "roc_auc"), getDouble(rs, "f1"), getDouble(rs, "pr_auc"),
                nan, nan, nan, nan, getDouble(rs, "rmse"), getDouble(rs, "mae"), getDouble(rs, "r2"));
            out.add(new NodeEvaluation(rs.getInt("round"), rs.getString("node_id"), e, rs.getString("released")));
          }
        }
      }
      return out;
    });
  }

  /** The pooled score histograms of a round's evaluation, if it kept them. */
  public Optional<ScoreHistograms> scoreHistograms(String jobId, int round) {
    return tx("read score histograms of round " + round + " of job " + jobId, c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT eval_positive_histogram, eval_negative_histogram"
          + " FROM rounds WHERE job_id = ? AND round = ?")) {
        ps.setString(1, jobId);
        ps.setInt(2, round);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || rs.getString(1) == null || rs.getString(2) == null) {
            return Optional.<ScoreHistograms>empty();
          }
          return Optional.of(new ScoreHistograms(ScoreHistograms.decode(rs.getString(1)),
              ScoreHistograms.decode(rs.getString(2))));
        }
      }
    });
  }

  public List<RoundRecord> rounds(String jobId) {
    return tx("read rounds of job " + jobId, c -> {
      List<RoundRecord> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM rounds WHERE job_id = ? ORDER BY round")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            int evalNodes = rs.getInt("eval_nodes");
            RoundRecord.Evaluation eval = rs.wasNull() ? null
                : new RoundRecord.Evaluation(evalNodes, rs.getLong("eval_examples"), getDouble(rs, "eval_loss"),
                    getDouble(rs, "eval_accuracy"), getDouble(rs, "eval_roc_auc"), getDouble(rs, "eval_f1"),
                    getDouble(rs, "eval_pr_auc"), getDouble(rs, "eval_precision"), getDouble(rs, "eval_recall"),
                    getDouble(rs, "eval_best_threshold"), getDouble(rs, "eval_best_f1"), getDouble(rs, "eval_rmse"),
                    getDouble(rs, "eval_mae"), getDouble(rs, "eval_r2"));
            out.add(new RoundRecord(rs.getString("job_id"), rs.getInt("round"), rs.getInt("attempt"),
                split(rs.getString("participants")), split(rs.getString("contributors")), rs.getLong("num_examples"),
                rs.getString("model_id"), rs.getString("model_sha256"), rs.getTimestamp("started_at").toInstant(),
                rs.getTimestamp("completed_at").toInstant(), eval));
          }
        }
      }
      return out;
    });
  }

  /** Records a node's registration (a join, in the audit log). */
  public void upsertNode(String nodeId, String version, List<String> datasets, Instant now) {
    audited("record node " + nodeId, c -> {
      audit.append(c, new AuditEvent("node:" + nodeId, "node.joined", null, null, nodeId,
          "version " + version + ", datasets " + datasets), now);
      try (PreparedStatement up = c.prepareStatement(
          "UPDATE nodes SET software_version = ?, datasets = ?, last_seen = ? WHERE node_id = ?")) {
        up.setString(1, version);
        up.setString(2, String.join(",", datasets));
        up.setTimestamp(3, ts(now));
        up.setString(4, nodeId);
        if (up.executeUpdate() == 1) {
          return null;
        }
      }
      try (PreparedStatement ins = c.prepareStatement(
          "INSERT INTO nodes (node_id, software_version, datasets, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)")) {
        ins.setString(1, nodeId);
        ins.setString(2, version);
        ins.setString(3, String.join(",", datasets));
        ins.setTimestamp(4, ts(now));
        ins.setTimestamp(5, ts(now));
        ins.executeUpdate();
      }
      return null;
    });
  }

  public List<NodeRecord> nodes() {
    return tx("list nodes", c -> {
      List<NodeRecord> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM nodes ORDER BY node_id");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new NodeRecord(rs.getString("node_id"), rs.getString("software_version"),
              split(rs.getString("datasets")), rs.getTimestamp("first_seen").toInstant(),
              rs.getTimestamp("last_seen").toInstant()));
        }
      }
      return out;
    });
  }

  private static List<String> split(String s) {
    return s == null || s.isEmpty() ? List.of() : Arrays.asList(s.split(","));
  }

  private static JobRecord job(ResultSet rs) throws SQLException {
    return new JobRecord(rs.getString("job_id"), fromJson(rs.getString("spec_json")),
        JobState.valueOf(rs.getString("state")), rs.getInt("completed_rounds"), rs.getString("failure_reason"),
        rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
  }

  static String toJson(JobSpec spec) {
    try {
      return JsonFormat.printer().print(spec);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a JobSpec always prints as JSON", e);
    }
  }

  static JobSpec fromJson(String json) throws SQLException {
    try {
      JobSpec.Builder b = JobSpec.newBuilder();
      JsonFormat.parser().merge(json, b);
      return b.build();
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("stored job spec is not valid JSON for cohort.v1.JobSpec", e);
    }
  }
}
