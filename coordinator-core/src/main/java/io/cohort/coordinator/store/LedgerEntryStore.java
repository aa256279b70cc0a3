package io.cohort.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Verified privacy-ledger entries over plain JDBC (H2 and PostgreSQL), keyed by node, dataset
 * and sequence number. Entries are never updated or deleted: a repeat of a stored entry is a
 * no-op, and a different entry at a stored position is refused ({@link Conflict}).
 */
public final class LedgerEntryStore {
  private static final String COLUMNS = "node_id, dataset_alias, seq, job_id, round, mechanism, sampling_rate,"
      + " noise_multiplier, clip_norm, steps, accountant, epsilon_after, delta, recorded_at_ms, previous_hash,"
      + " entry_hash, signed_line, ledger_header, received_at";
  private final DataSource dataSource;

  public LedgerEntryStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A node presented an entry that differs from the one stored at the same position: equivocation. */
  public static final class Conflict extends Exception {
    private static final long serialVersionUID = 1L;

    Conflict(String message) {
      super(message);
    }
  }

  /**
   * Stores {@code e} unless the same entry is already stored.
   *
   * @return true when it was new
   * @throws Conflict when another entry is stored at the same (node, dataset, seq)
   */
  public boolean insert(StoredLedgerEntry e) throws Conflict {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Optional<StoredLedgerEntry> old = find(c, e.nodeId(), e.datasetAlias(), e.seq());
        if (old.isPresent()) {
          c.rollback();
          if (old.get().entryHash().equals(e.entryHash())) {
            return false;
          }
          throw new Conflict("node '" + e.nodeId() + "' reported a different ledger entry " + e.seq() + " for dataset '"
              + e.datasetAlias() + "' than the one stored (hash " + old.get().entryHash() + ")");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_entries (" + COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
          ps.setString(1, e.nodeId());
          ps.setString(2, e.datasetAlias());
          ps.setLong(3, e.seq());
          ps.setString(4, e.jobId());
          ps.setLong(5, e.round());
          ps.setString(6, e.mechanism());
          ps.setDouble(7, e.samplingRate());
          ps.setDouble(8, e.noiseMultiplier());
          ps.setDouble(9, e.clipNorm());
          ps.setLong(10, e.steps());
          ps.setString(11, e.accountant());
          ps.setDouble(12, e.epsilonAfter());
          ps.setDouble(13, e.delta());
          ps.setLong(14, e.recordedAtMillis());
          ps.setString(15, e.previousHash());
          ps.setString(16, e.entryHash());
          ps.setString(17, e.signedLine());
          ps.setString(18, e.ledgerHeader());
          ps.setTimestamp(19, Timestamp.from(e.receivedAt()));
          ps.executeUpdate();
        }
        c.commit();
        return true;
      } catch (SQLException | RuntimeException ex) {
        c.rollback();
        throw ex;
      }
    } catch (SQLException ex) {
      throw new StoreException("database error while storing ledger entry " + e.seq() + " of node " + e.nodeId(), ex);
    }
  }

  public Optional<StoredLedgerEntry> find(String nodeId, String datasetAlias, long seq) {
    return query("read a ledger entry", c -> find(c, nodeId, datasetAlias, seq));
  }

  /** A node's entries over all its datasets, by dataset then sequence. */
  public List<StoredLedgerEntry> byNode(String nodeId) {
    return list("SELECT " + COLUMNS + " FROM ledger_entries WHERE node_id = ? ORDER BY dataset_alias, seq", nodeId);
  }

  /** A node's entries for one dataset, in ledger order. */
  public List<StoredLedgerEntry> byNodeAndDataset(String nodeId, String datasetAlias) {
    return list("SELECT " + COLUMNS + " FROM ledger_entries WHERE node_id = ? AND dataset_alias = ? ORDER BY seq",
        nodeId, datasetAlias);
  }

  /** A job's entries, by node then sequence. */
  public List<StoredLedgerEntry> byJob(String jobId) {
    return list("SELECT " + COLUMNS + " FROM ledger_entries WHERE job_id = ? ORDER BY node_id, dataset_alias, seq",
        jobId);
  }

  @FunctionalInterface
  private interface Query<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T query(String what, Query<T> q) {
    try (Connection c = dataSource.getConnection()) {
      return q.run(c);
    } catch (SQLException e) {
      throw new StoreException("database error while trying to " + what, e);
    }
  }

  private List<StoredLedgerEntry> list(String sql, String... args) {
    return query("list ledger entries", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < args.length; i++) {
          ps.setString(i + 1, args[i]);
        }
        List<StoredLedgerEntry> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(row(rs));
          }
        }
        return out;
      }
    });
  }

  private static Optional<StoredLedgerEntry> find(Connection c, String nodeId, String alias, long seq)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
        + " FROM ledger_entries WHERE node_id = ? AND dataset_alias = ? AND seq = ?")) {
      ps.setString(1, nodeId);
      ps.setString(2, alias);
      ps.setLong(3, seq);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    }
  }

  private static StoredLedgerEntry row(ResultSet rs) throws SQLException {
    return new StoredLedgerEntry(rs.getString("node_id"), rs.getString("dataset_alias"), rs.getLong("seq"),
        rs.getString("job_id"), rs.getLong("round"), rs.getString("mechanism"), rs.getDouble("sampling_rate"),
        rs.getDouble("noise_multiplier"), rs.getDouble("clip_norm"), rs.getLong("steps"), rs.getString("accountant"),
        rs.getDouble("epsilon_after"), rs.getDouble("delta"), rs.getLong("recorded_at_ms"),
        rs.getString("previous_hash"), rs.getString("entry_hash"), rs.getString("signed_line"),
        rs.getString("ledger_header"), rs.getTimestamp("received_at").toInstant());
  }
}
