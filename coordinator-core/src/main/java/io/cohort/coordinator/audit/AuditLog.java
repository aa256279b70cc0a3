package io.cohort.coordinator.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The audit log in table {@code audit_log}: entries are appended inside the caller's transaction
 * (so an entry exists exactly when the change it records was committed) and never updated.
 *
 * <p>Appends are serialised by {@link #lock()}, which the caller holds from before
 * {@link #append} until after commit or rollback; a second coordinator on the same database would
 * collide on the primary key {@code seq} rather than fork the chain.
 *
 * <p>A hash chain alone cannot reveal that its newest entries were cut off. The log therefore
 * remembers the newest head it committed (in memory and, when given, in an anchor file outside the
 * database) and {@link #verify} fails when that head is no longer in the chain.
 */
public final class AuditLog {
  private final ReentrantLock lock = new ReentrantLock();
  private final Object headLock = new Object();
  private final Path anchorFile;
  private volatile long knownSeq;
  private volatile String knownHash;
  private long pendingSeq;
  private String pendingHash;

  /** @param anchorFile where to keep the newest committed head, or null to keep it in memory only */
  public AuditLog(Path anchorFile) {
    this.anchorFile = anchorFile;
    if (anchorFile != null && Files.isRegularFile(anchorFile)) {
      try {
        String[] parts = Files.readString(anchorFile, StandardCharsets.US_ASCII).strip().split(" ");
        knownSeq = Long.parseLong(parts[0]);
        knownHash = parts[1];
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("audit anchor " + anchorFile + " is unreadable; expected '<seq> <hash>'", e);
      }
    }
  }

  public AuditLog() {
    this(null);
  }

  /** Held by a transaction that appends, from before the first append until after commit or rollback. */
  public ReentrantLock lock() {
    return lock;
  }

  /** Appends an entry inside the caller's transaction; the caller holds {@link #lock()}. */
  public AuditEntry append(Connection c, AuditEvent e, Instant now) throws SQLException {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("append requires the audit lock");
    }
    long seq = 0;
    String prev = AuditEntry.GENESIS;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC FETCH FIRST 1 ROWS ONLY");
        ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        seq = rs.getLong(1);
        prev = rs.getString(2);
      }
    }
    AuditEntry entry = AuditEntry.next(seq + 1, now.truncatedTo(ChronoUnit.MILLIS), e, prev);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log (seq, occurred_at, actor, action, job_id,"
        + " round, node_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, entry.seq());
      ps.setTimestamp(2, Timestamp.from(entry.occurredAt()));
      ps.setString(3, entry.actor());
      ps.setString(4, entry.action());
      ps.setString(5, entry.jobId());
      if (entry.round() == null) {
        ps.setNull(6, Types.INTEGER);
      } else {
        ps.setInt(6, entry.round());
      }
      ps.setString(7, entry.nodeId());
      ps.setString(8, entry.detail());
      ps.setString(9, entry.prevHash());
      ps.setString(10, entry.hash());
      ps.executeUpdate();
    }
    pendingSeq = entry.seq();
    pendingHash = entry.hash();
    return entry;
  }

  /** An audit-log head: the newest committed entry's sequence number and chain hash. */
  public record Head(long seq, String hash) {}

  /**
   * The newest head this coordinator committed or verified, or empty before the first commit or
   * verification (what nodes witness, issue 22 #7). One read of a volatile pair can race an
   * advance; {@link #headLock} gives a consistent pair.
   */
  public Optional<Head> head() {
    synchronized (headLock) {
      return knownHash == null ? Optional.empty() : Optional.of(new Head(knownSeq, knownHash));
    }
  }

  /**
   * Takes {@code seq}/{@code hash} as the newest head after the whole chain verified up to it (at
   * startup), and re-anchors on it: a crash between a commit and the anchor's update leaves the
   * anchor behind the chain, which is harmless and repaired here.
   */
  public void adopt(long seq, String hash) {
    lock.lock();
    try {
      synchronized (headLock) {
        knownSeq = seq;
        knownHash = hash;
      }
      writeAnchor();
    } finally {
      lock.unlock();
    }
  }

  /** Called after the appending transaction committed, still under the lock: advances the anchor. */
  public void committed() {
    if (pendingHash == null) {
      return;
    }
    synchronized (headLock) {
      knownSeq = pendingSeq;
      knownHash = pendingHash;
    }
    pendingHash = null;
    writeAnchor();
  }

  private void writeAnchor() {
    if (anchorFile != null) {
      try {
        Path tmp = anchorFile.resolveSibling(anchorFile.getFileName() + ".tmp");
        // Created 0600 before anything is written (issue 22 #8); the move keeps the mode.
        Files.deleteIfExists(tmp);
        io.cohort.crypto.keys.OwnerOnly.createFile(tmp);
        Files.writeString(tmp, knownSeq + " " + knownHash + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, anchorFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot update the audit anchor " + anchorFile, ex);
      }
    }
  }

  /** Called after the appending transaction rolled back, still under the lock. */
  public void rolledBack() {
    pendingHash = null;
  }

  /** Entries with {@code seq > afterSeq}, oldest first, optionally for one job or node. */
  public List<AuditEntry> list(Connection c, long afterSeq, int limit, String jobId, String nodeId)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT * FROM audit_log WHERE seq > ?");
    if (jobId != null) {
      sql.append(" AND job_id = ?");
    }
    if (nodeId != null) {
      sql.append(" AND node_id = ?");
    }
    sql.append(" ORDER BY seq FETCH FIRST ").append(Math.max(1, limit)).append(" ROWS ONLY");
    List<AuditEntry> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int i = 1;
      ps.setLong(i++, afterSeq);
      if (jobId != null) {
        ps.setString(i++, jobId);
      }
      if (nodeId != null) {
        ps.setString(i, nodeId);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(entry(rs));
        }
      }
    }
    return out;
  }

  /** Recomputes the whole chain and reports the first entry that does not check out. */
  public AuditVerification verify(Connection c) throws SQLException {
    long expectedSeq = 1;
    String prev = AuditEntry.GENESIS;
    long count = 0;
    boolean sawKnownHead = knownHash == null || knownSeq == 0; // seq 0: the empty log's head
    try (PreparedStatement ps = c.prepareStatement("SELECT * FROM audit_log ORDER BY seq");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        AuditEntry e = entry(rs);
        count++;
        if (e.seq() != expectedSeq) {
          return broken(count, expectedSeq, "entry " + expectedSeq + " is missing: the entry after "
              + (expectedSeq - 1) + " is " + e.seq() + " (deleted rows)", expectedSeq - 1, prev);
        }
        if (!e.prevHash().equals(prev)) {
          return broken(count, e.seq(), "entry " + e.seq() + " does not link to entry " + (e.seq() - 1)
              + ": prev_hash " + e.prevHash() + ", expected " + prev, e.seq() - 1, prev);
        }
        String recomputed = e.computeHash();
        if (!recomputed.equals(e.hash())) {
          return broken(count, e.seq(), "entry " + e.seq() + " (" + e.action() + ") was altered: its fields hash to "
              + recomputed + " but it records " + e.hash(), e.seq() - 1, prev);
        }
        if (e.seq() == knownSeq && e.hash().equals(knownHash)) {
          sawKnownHead = true;
        }
        prev = e.hash();
        expectedSeq++;
      }
    }
    if (!sawKnownHead) {
      return broken(count, knownSeq, "entry " + knownSeq + " (the newest this coordinator committed, hash "
          + knownHash + ") is no longer in the log: entries were deleted or rewritten", expectedSeq - 1, prev);
    }
    return new AuditVerification(true, count, null, null, expectedSeq - 1, prev);
  }

  private static AuditVerification broken(long count, long seq, String problem, long headSeq, String headHash) {
    return new AuditVerification(false, count, seq, problem, headSeq, headHash);
  }

  private static AuditEntry entry(ResultSet rs) throws SQLException {
    int round = rs.getInt("round");
    Integer r = rs.wasNull() ? null : round;
    return new AuditEntry(rs.getLong("seq"), rs.getTimestamp("occurred_at").toInstant(), rs.getString("actor"),
        rs.getString("action"), rs.getString("job_id"), r, rs.getString("node_id"), rs.getString("detail"),
        rs.getString("prev_hash"), rs.getString("hash"));
  }
}
