package io.cohort.coordinator.store;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * What each node's one-run privacy audit of a job found ({@code privacy.audit}), in table
 * {@code privacy_audits}: the newest report per job and node, each receipt audited in the same
 * transaction. Counts and bounds only; the coordinator never sees a canary or a coin.
 */
public final class PrivacyAuditStore {
  private final DataSource dataSource;
  private final AuditLog audit;
  private final Clock clock;

  /**
   * One node's audit of one job, over its rounds up to {@code round}.
   *
   * @param accountedEpsilon the node accountant's epsilon for the same steps; NaN for a job without DP
   */
  public record Row(String jobId, String nodeId, int round, long steps, int canaries, int guesses, int correct,
      double epsilonLowerBound, double delta, double confidence, double accountedEpsilon, Instant reportedAt) {}

  public PrivacyAuditStore(DataSource dataSource, AuditLog audit, Clock clock) {
    this.dataSource = dataSource;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Keeps {@code row} unless a report of a later round of the same job and node is already stored
   * (reports can arrive out of order after a retry).
   *
   * @return whether it was stored
   */
  public boolean record(Row row) {
    return Sql.audited(dataSource, audit, "record the privacy audit of node " + row.nodeId(), c -> {
      try (PreparedStatement q = c.prepareStatement(
          "SELECT round FROM privacy_audits WHERE job_id = ? AND node_id = ?")) {
        q.setString(1, row.jobId());
        q.setString(2, row.nodeId());
        try (ResultSet rs = q.executeQuery()) {
          if (rs.next() && rs.getInt(1) > row.round()) {
            return false;
          }
        }
      }
      try (PreparedStatement del = c.prepareStatement("DELETE FROM privacy_audits WHERE job_id = ? AND node_id = ?")) {
        del.setString(1, row.jobId());
        del.setString(2, row.nodeId());
        del.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO privacy_audits (job_id, node_id, round, steps,"
          + " canaries, guesses, correct, epsilon_lower_bound, delta, confidence, accounted_epsilon, reported_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, row.jobId());
        ps.setString(2, row.nodeId());
        ps.setInt(3, row.round());
        ps.setLong(4, row.steps());
        ps.setInt(5, row.canaries());
        ps.setInt(6, row.guesses());
        ps.setInt(7, row.correct());
        ps.setDouble(8, row.epsilonLowerBound());
        ps.setDouble(9, row.delta());
        ps.setDouble(10, row.confidence());
        if (Double.isNaN(row.accountedEpsilon())) {
          ps.setNull(11, Types.DOUBLE);
        } else {
          ps.setDouble(11, row.accountedEpsilon());
        }
        ps.setTimestamp(12, Timestamp.from(row.reportedAt()));
        ps.executeUpdate();
      }
      audit.append(c, new AuditEvent("node:" + row.nodeId(), "privacy.audit_received", row.jobId(), row.round(),
          row.nodeId(), String.format(Locale.ROOT, "one-run audit after round %d: %d of %d guesses right over %d"
              + " canaries, epsilon lower bound %.4f at delta %.3g (%.0f %%), accounted epsilon %s", row.round(),
              row.correct(), row.guesses(), row.canaries(), row.epsilonLowerBound(), row.delta(),
              100 * row.confidence(), Double.isNaN(row.accountedEpsilon()) ? "none (no DP)"
                  : String.format(Locale.ROOT, "%.4f", row.accountedEpsilon()))), clock.instant());
      return true;
    });
  }

  /** Audits, optionally of one job, by job and node. */
  public List<Row> audits(String jobId) {
    return Sql.tx(dataSource, "read privacy audits", c -> {
      String sql = "SELECT * FROM privacy_audits" + (jobId == null ? "" : " WHERE job_id = ?") + " ORDER BY job_id, node_id";
      List<Row> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (jobId != null) {
          ps.setString(1, jobId);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(row(rs));
          }
        }
      }
      return out;
    });
  }

  private static Row row(ResultSet rs) throws SQLException {
    double accounted = rs.getDouble("accounted_epsilon");
    if (rs.wasNull()) {
      accounted = Double.NaN;
    }
    return new Row(rs.getString("job_id"), rs.getString("node_id"), rs.getInt("round"), rs.getLong("steps"),
        rs.getInt("canaries"), rs.getInt("guesses"), rs.getInt("correct"), rs.getDouble("epsilon_lower_bound"),
        rs.getDouble("delta"), rs.getDouble("confidence"), accounted, rs.getTimestamp("reported_at").toInstant());
  }
}
