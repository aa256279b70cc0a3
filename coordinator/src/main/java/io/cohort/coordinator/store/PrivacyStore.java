package io.cohort.coordinator.store;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * A summary of the privacy-ledger entries received from nodes, in table {@code privacy_ledger}, for
 * the privacy API and the dashboard. Each received entry is audited in the same transaction.
 * {@code ledger.LedgerIntake} calls {@link #record} after it verified the entry and stored its
 * signed line in {@code LedgerEntryStore}, which stays the authority.
 */
public final class PrivacyStore {
  private final DataSource dataSource;
  private final AuditLog audit;
  private final Clock clock;

  public PrivacyStore(DataSource dataSource, AuditLog audit, Clock clock) {
    this.dataSource = dataSource;
    this.audit = audit;
    this.clock = clock;
  }

  /** Spend of one node's dataset: the newest entry's cumulative ε against the declared budget. */
  public record Spend(String nodeId, String dataset, long entries, double epsilonSpent, double delta,
      double budgetEpsilon) {
    /** NaN when the node declared no budget. */
    public double remainingEpsilon() {
      return Double.isNaN(budgetEpsilon) ? Double.NaN : Math.max(0, budgetEpsilon - epsilonSpent);
    }
  }

  /** Stores an entry a node uploaded and audits its receipt. */
  public void record(LedgerRow row) {
    Sql.audited(dataSource, audit, "record ledger entry of node " + row.nodeId(), c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO privacy_ledger (node_id, dataset, entry_seq, job_id,"
          + " round, epsilon_after, delta, budget_epsilon, entry_sha256, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, row.nodeId());
        ps.setString(2, row.dataset());
        ps.setLong(3, row.entrySeq());
        ps.setString(4, row.jobId());
        if (row.round() == null) {
          ps.setNull(5, Types.INTEGER);
        } else {
          ps.setInt(5, row.round());
        }
        ps.setDouble(6, row.epsilonAfter());
        ps.setDouble(7, row.delta());
        if (Double.isNaN(row.budgetEpsilon())) {
          ps.setNull(8, Types.DOUBLE);
        } else {
          ps.setDouble(8, row.budgetEpsilon());
        }
        ps.setString(9, row.entrySha256());
        ps.setTimestamp(10, Timestamp.from(row.receivedAt()));
        ps.executeUpdate();
      }
      audit.append(c, new AuditEvent("node:" + row.nodeId(), "ledger.entry_received", row.jobId(), row.round(),
          row.nodeId(), String.format(Locale.ROOT, "dataset '%s' entry %d: epsilon after %.6f at delta %.3g, sha256 %s",
              row.dataset(), row.entrySeq(), row.epsilonAfter(), row.delta(), row.entrySha256())), clock.instant());
      return null;
    });
  }

  /** Entries, oldest first, optionally for one node and/or dataset. */
  public List<LedgerRow> entries(String nodeId, String dataset) {
    return Sql.tx(dataSource, "read ledger entries", c -> {
      StringBuilder sql = new StringBuilder("SELECT * FROM privacy_ledger WHERE 1 = 1");
      if (nodeId != null) {
        sql.append(" AND node_id = ?");
      }
      if (dataset != null) {
        sql.append(" AND dataset = ?");
      }
      sql.append(" ORDER BY node_id, dataset, entry_seq");
      List<LedgerRow> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        int i = 1;
        if (nodeId != null) {
          ps.setString(i++, nodeId);
        }
        if (dataset != null) {
          ps.setString(i, dataset);
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

  /** Spend per node and dataset, from the newest entry of each. */
  public List<Spend> spend(String nodeId, String dataset) {
    List<Spend> out = new ArrayList<>();
    LedgerRow last = null;
    long count = 0;
    for (LedgerRow r : entries(nodeId, dataset)) {
      if (last != null && !(last.nodeId().equals(r.nodeId()) && last.dataset().equals(r.dataset()))) {
        out.add(spendOf(last, count));
        count = 0;
      }
      last = r;
      count++;
    }
    if (last != null) {
      out.add(spendOf(last, count));
    }
    return out;
  }

  private static Spend spendOf(LedgerRow r, long count) {
    return new Spend(r.nodeId(), r.dataset(), count, r.epsilonAfter(), r.delta(), r.budgetEpsilon());
  }

  private static LedgerRow row(ResultSet rs) throws SQLException {
    int round = rs.getInt("round");
    Integer rd = rs.wasNull() ? null : round;
    double budget = rs.getDouble("budget_epsilon");
    if (rs.wasNull()) {
      budget = Double.NaN;
    }
    return new LedgerRow(rs.getString("node_id"), rs.getString("dataset"), rs.getLong("entry_seq"),
        rs.getString("job_id"), rd, rs.getDouble("epsilon_after"), rs.getDouble("delta"), budget,
        rs.getString("entry_sha256"), rs.getTimestamp("received_at").toInstant());
  }
}
