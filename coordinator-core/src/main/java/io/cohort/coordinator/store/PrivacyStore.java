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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * A summary of the privacy-ledger entries received from nodes, in table {@code privacy_ledger}, and
 * the budgets nodes declare when they register ({@code node_declared_budgets}), for the privacy API
 * and the dashboard. Each received entry is audited in the same transaction.
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

  /**
   * Spend of one node's dataset: the newest entry's cumulative ε against the budget the node
   * declared.
   *
   * @param delta the ledger's δ (from its newest entry), or the declared δ when nothing was spent yet
   * @param budgetEpsilon NaN when the node declared no budget
   * @param budget what the node declared, if it did
   */
  public record Spend(String nodeId, String dataset, long entries, double epsilonSpent, double delta,
      double budgetEpsilon, Optional<DeclaredBudget> budget) {
    /** NaN when the node declared no budget. */
    public double remainingEpsilon() {
      return Double.isNaN(budgetEpsilon) ? Double.NaN : Math.max(0, budgetEpsilon - epsilonSpent);
    }
  }

  /**
   * A dataset's privacy budget as its node declared it at registration (from node.yaml). Shown,
   * never set: the node alone enforces it.
   */
  public record DeclaredBudget(String nodeId, String dataset, double epsilonBudget, double delta, String accountant,
      Instant reportedAt) {}

  /**
   * Replaces the budgets {@code nodeId} declares (one per dataset that has one; datasets it no
   * longer declares a budget for are dropped). A change is audited in the same transaction.
   */
  public void declareBudgets(String nodeId, List<DeclaredBudget> budgets) {
    Map<String, DeclaredBudget> before = new TreeMap<>();
    declaredBudgets(nodeId, null).forEach(b -> before.put(b.dataset(), b));
    Map<String, DeclaredBudget> after = new TreeMap<>();
    budgets.forEach(b -> after.put(b.dataset(), b));
    if (same(before, after)) {
      return;
    }
    Sql.audited(dataSource, audit, "store the budgets node " + nodeId + " declared", c -> {
      try (PreparedStatement del = c.prepareStatement("DELETE FROM node_declared_budgets WHERE node_id = ?")) {
        del.setString(1, nodeId);
        del.executeUpdate();
      }
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO node_declared_budgets (node_id, dataset,"
          + " epsilon_budget, delta, accountant, reported_at) VALUES (?, ?, ?, ?, ?, ?)")) {
        for (DeclaredBudget b : after.values()) {
          ins.setString(1, nodeId);
          ins.setString(2, b.dataset());
          ins.setDouble(3, b.epsilonBudget());
          ins.setDouble(4, b.delta());
          ins.setString(5, b.accountant());
          ins.setTimestamp(6, Timestamp.from(b.reportedAt()));
          ins.executeUpdate();
        }
      }
      List<String> described = after.values().stream().map(b -> String.format(Locale.ROOT,
          "'%s': epsilon %s at delta %s (%s)", b.dataset(), b.epsilonBudget(), b.delta(), b.accountant())).toList();
      audit.append(c, new AuditEvent("node:" + nodeId, "node.budget_declared", null, null, nodeId,
          "declared privacy budgets " + (described.isEmpty() ? "none" : String.join(", ", described))
              + " (display only; the node enforces its own budget)"), clock.instant());
      return null;
    });
  }

  private static boolean same(Map<String, DeclaredBudget> a, Map<String, DeclaredBudget> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (var e : a.entrySet()) {
      DeclaredBudget x = e.getValue();
      DeclaredBudget y = b.get(e.getKey());
      if (x.epsilonBudget() != y.epsilonBudget() || x.delta() != y.delta() || !x.accountant().equals(y.accountant())) {
        return false;
      }
    }
    return true;
  }

  /** Declared budgets, optionally of one node and/or dataset, by node and dataset. */
  public List<DeclaredBudget> declaredBudgets(String nodeId, String dataset) {
    return select("read declared budgets", "node_declared_budgets", "node_id, dataset", nodeId, dataset,
        rs -> new DeclaredBudget(rs.getString("node_id"), rs.getString("dataset"), rs.getDouble("epsilon_budget"),
            rs.getDouble("delta"), rs.getString("accountant"), rs.getTimestamp("reported_at").toInstant()));
  }

  /** Maps one result row. */
  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** The rows of {@code table}, optionally of one node and/or dataset, in {@code orderBy} order. */
  private <T> List<T> select(String what, String table, String orderBy, String nodeId, String dataset,
      RowMapper<T> mapper) {
    return Sql.tx(dataSource, what, c -> {
      StringBuilder sql = new StringBuilder("SELECT * FROM " + table + " WHERE 1 = 1");
      if (nodeId != null) {
        sql.append(" AND node_id = ?");
      }
      if (dataset != null) {
        sql.append(" AND dataset = ?");
      }
      sql.append(" ORDER BY ").append(orderBy);
      List<T> out = new ArrayList<>();
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
            out.add(mapper.map(rs));
          }
        }
      }
      return out;
    });
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
    return select("read ledger entries", "privacy_ledger", "node_id, dataset, entry_seq", nodeId, dataset,
        PrivacyStore::row);
  }

  /**
   * Spend per node and dataset, from the newest entry of each, with the budget the node declared;
   * a dataset with a declared budget and no entries yet shows zero spend.
   */
  public List<Spend> spend(String nodeId, String dataset) {
    Map<String, DeclaredBudget> declared = new TreeMap<>();
    declaredBudgets(nodeId, dataset).forEach(b -> declared.put(key(b.nodeId(), b.dataset()), b));
    Map<String, Spend> out = new TreeMap<>();
    LedgerRow last = null;
    long count = 0;
    for (LedgerRow r : entries(nodeId, dataset)) {
      if (last != null && !(last.nodeId().equals(r.nodeId()) && last.dataset().equals(r.dataset()))) {
        out.put(key(last.nodeId(), last.dataset()), spendOf(last, count, declared));
        count = 0;
      }
      last = r;
      count++;
    }
    if (last != null) {
      out.put(key(last.nodeId(), last.dataset()), spendOf(last, count, declared));
    }
    for (var e : declared.entrySet()) {
      DeclaredBudget b = e.getValue();
      out.putIfAbsent(e.getKey(), new Spend(b.nodeId(), b.dataset(), 0, 0, b.delta(), b.epsilonBudget(),
          Optional.of(b)));
    }
    return List.copyOf(out.values());
  }

  private static String key(String nodeId, String dataset) {
    return nodeId + "/" + dataset;
  }

  private static Spend spendOf(LedgerRow r, long count, Map<String, DeclaredBudget> declared) {
    Optional<DeclaredBudget> b = Optional.ofNullable(declared.get(key(r.nodeId(), r.dataset())));
    return new Spend(r.nodeId(), r.dataset(), count, r.epsilonAfter(), r.delta(),
        b.map(DeclaredBudget::epsilonBudget).orElse(r.budgetEpsilon()), b);
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
