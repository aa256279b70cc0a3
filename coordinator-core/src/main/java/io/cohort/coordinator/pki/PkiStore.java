package io.cohort.coordinator.pki;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.store.Sql;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Enrolment tokens, requests, issued certificates and revocations over JDBC (tables of V3__pki.sql).
 * Every change is audited in the same transaction (issue 22 #7: PKI actions were not audited at all):
 * {@code pki.token_created}, {@code pki.request_submitted}, {@code pki.request_approved},
 * {@code pki.certificate_issued} and {@code node.revoked}. Details name node ids, fingerprints and
 * serials, never a token secret or its hash.
 */
public final class PkiStore {
  private final DataSource dataSource;
  private final AuditLog audit;
  private final Clock clock;

  /** @param audit the coordinator's one audit log (a second instance on the same table would fork the chain) */
  public PkiStore(DataSource dataSource, AuditLog audit, Clock clock) {
    this.dataSource = dataSource;
    this.audit = audit;
    this.clock = clock;
  }

  private <T> T audited(String what, Sql.Work<T> work) {
    return Sql.audited(dataSource, audit, what, work);
  }

  private void record(java.sql.Connection c, String actor, String action, String nodeId, String detail)
      throws SQLException {
    audit.append(c, new AuditEvent(actor, action, null, null, nodeId, detail), clock.instant());
  }

  /** A stored one-time token. */
  public record Token(String tokenHash, String nodeId, boolean autoApprove, Instant expiresAt, Instant usedAt) {}

  /** A stored certificate request. */
  public record Request(String nodeId, String fingerprint, String csrPem, String tokenHash, String state,
      String certificatePem, Instant submittedAt) {}

  private <T> T tx(String what, Sql.Work<T> work) {
    return Sql.tx(dataSource, what, work);
  }

  /** Stores a new token; {@code actor} (who asked for it) goes to the audit log. */
  public void insertToken(Token t, String actor) {
    audited("store an enrolment token", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO enrolment_tokens (token_hash, node_id, auto_approve, expires_at) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, t.tokenHash());
        ps.setString(2, t.nodeId());
        ps.setBoolean(3, t.autoApprove());
        ps.setTimestamp(4, Timestamp.from(t.expiresAt()));
        ps.executeUpdate();
      }
      record(c, actor, "pki.token_created", t.nodeId(), "one-time enrolment token for node " + t.nodeId() + ", "
          + (t.autoApprove() ? "approved automatically" : "manual approval") + ", expires " + t.expiresAt());
      return null;
    });
  }

  public Optional<Token> token(String tokenHash) {
    return tx("read an enrolment token", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT node_id, auto_approve, expires_at, used_at FROM enrolment_tokens WHERE token_hash = ?")) {
        ps.setString(1, tokenHash);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          Timestamp used = rs.getTimestamp(4);
          return Optional.of(new Token(tokenHash, rs.getString(1), rs.getBoolean(2), rs.getTimestamp(3).toInstant(),
              used == null ? null : used.toInstant()));
        }
      }
    });
  }

  /**
   * Marks the token used and stores the request, in one transaction; false when the token was
   * used meanwhile (one-time tokens are spent exactly once).
   */
  public boolean spendTokenAndInsert(Request r, Instant now) {
    return audited("store a certificate request", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE enrolment_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")) {
        ps.setTimestamp(1, Timestamp.from(now));
        ps.setString(2, r.tokenHash());
        if (ps.executeUpdate() != 1) {
          return false;
        }
      }
      // Renewal with the same key under a new token gives the same CSR (Ed25519 is deterministic): replace it.
      try (PreparedStatement del = c.prepareStatement(
          "DELETE FROM enrolment_requests WHERE node_id = ? AND csr_fingerprint = ?")) {
        del.setString(1, r.nodeId());
        del.setString(2, r.fingerprint());
        del.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO enrolment_requests (node_id, csr_fingerprint, csr_pem,"
          + " token_hash, state, certificate_pem, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, r.nodeId());
        ps.setString(2, r.fingerprint());
        ps.setString(3, r.csrPem());
        ps.setString(4, r.tokenHash());
        ps.setString(5, r.state());
        ps.setString(6, r.certificatePem());
        ps.setTimestamp(7, Timestamp.from(r.submittedAt()));
        ps.executeUpdate();
      }
      record(c, "node:" + r.nodeId(), "pki.request_submitted", r.nodeId(), "certificate request with CSR fingerprint "
          + r.fingerprint() + " under a one-time token (now spent)");
      return true;
    });
  }

  public Optional<Request> request(String nodeId, String fingerprint) {
    return tx("read a certificate request", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT csr_pem, token_hash, state, certificate_pem, submitted_at"
          + " FROM enrolment_requests WHERE node_id = ? AND csr_fingerprint = ?")) {
        ps.setString(1, nodeId);
        ps.setString(2, fingerprint);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new Request(nodeId, fingerprint, rs.getString(1), rs.getString(2),
              rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant())) : Optional.empty();
        }
      }
    });
  }

  public List<Request> pendingRequests() {
    return tx("list certificate requests", c -> {
      List<Request> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT node_id, csr_fingerprint, submitted_at FROM enrolment_requests"
          + " WHERE state = 'PENDING' ORDER BY submitted_at");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Request(rs.getString(1), rs.getString(2), null, null, "PENDING", null, rs.getTimestamp(3).toInstant()));
        }
      }
      return out;
    });
  }

  /**
   * Moves a PENDING request to {@code state}; false when it was not pending. {@code actor} is who
   * decided: an administrator's token, or {@code system} for a token that approves automatically.
   */
  public boolean decide(String nodeId, String fingerprint, String state, String certificatePem, Instant now,
      String actor) {
    return audited("decide a certificate request", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE enrolment_requests SET state = ?, certificate_pem = ?,"
          + " decided_at = ? WHERE node_id = ? AND csr_fingerprint = ? AND state = 'PENDING'")) {
        ps.setString(1, state);
        ps.setString(2, certificatePem);
        ps.setTimestamp(3, Timestamp.from(now));
        ps.setString(4, nodeId);
        ps.setString(5, fingerprint);
        if (ps.executeUpdate() != 1) {
          return false;
        }
      }
      record(c, actor, state.equals("ISSUED") ? "pki.request_approved" : "pki.request_" + state.toLowerCase(
          java.util.Locale.ROOT), nodeId, "certificate request with CSR fingerprint " + fingerprint
          + (actor.equals(io.cohort.coordinator.audit.AuditEvent.SYSTEM) ? " (approved by its enrolment token)" : ""));
      return true;
    });
  }

  public void recordIssued(String serialHex, String nodeId, String fingerprint, Instant notAfter, Instant now) {
    audited("record an issued certificate", c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO issued_certificates (serial_hex, node_id, fingerprint,"
          + " not_after, issued_at) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, serialHex);
        ps.setString(2, nodeId);
        ps.setString(3, fingerprint);
        ps.setTimestamp(4, Timestamp.from(notAfter));
        ps.setTimestamp(5, Timestamp.from(now));
        ps.executeUpdate();
      }
      record(c, AuditEvent.SYSTEM, "pki.certificate_issued", nodeId, "certificate serial " + serialHex
          + ", SHA-256 fingerprint " + fingerprint + ", valid until " + notAfter);
      return null;
    });
  }

  /** Records (or moves forward) a node's revocation time; {@code actor} is who revoked it. */
  public void revoke(String nodeId, Instant at, String actor) {
    audited("revoke node " + nodeId, c -> {
      int changed;
      try (PreparedStatement up = c.prepareStatement("UPDATE node_revocations SET revoked_at = ? WHERE node_id = ?")) {
        up.setTimestamp(1, Timestamp.from(at));
        up.setString(2, nodeId);
        changed = up.executeUpdate();
      }
      if (changed != 1) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO node_revocations (node_id, revoked_at) VALUES (?, ?)")) {
          ps.setString(1, nodeId);
          ps.setTimestamp(2, Timestamp.from(at));
          ps.executeUpdate();
        }
      }
      record(c, actor, "node.revoked", nodeId, "every certificate of node " + nodeId + " issued until " + at
          + " is refused from now on");
      return null;
    });
  }

  /**
   * Serials (hex) of the recorded certificates that a revocation covers: issued to a revoked node
   * no later than its revocation. Certificates issued offline and never recorded are not listed
   * (the coordinator still refuses them: revocation is by node and time).
   */
  public List<String> revokedSerials() {
    return tx("read revoked serials", c -> {
      List<String> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT ic.serial_hex FROM issued_certificates ic"
          + " JOIN node_revocations r ON ic.node_id = r.node_id WHERE ic.issued_at <= r.revoked_at ORDER BY ic.serial_hex");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    });
  }

  /** When {@code nodeId} was revoked, if it was. */
  public Optional<Instant> revokedAt(String nodeId) {
    return Optional.ofNullable(revocations().get(nodeId));
  }

  public Map<String, Instant> revocations() {
    return tx("read revocations", c -> {
      Map<String, Instant> out = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT node_id, revoked_at FROM node_revocations");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getTimestamp(2).toInstant());
        }
      }
      return out;
    });
  }
}
