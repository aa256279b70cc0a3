package io.cohort.coordinator.audit;

import io.cohort.crypto.Digests;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One stored audit entry. {@code hash} is the SHA-256 of {@link #canonicalBytes()}, which covers
 * every other field including {@code prevHash}, so changing any field of any entry, or removing
 * one, breaks the chain at that entry.
 */
public record AuditEntry(long seq, Instant occurredAt, String actor, String action, String jobId, Integer round,
    String nodeId, String detail, String prevHash, String hash) {

  /** The previous hash of the first entry. */
  public static final String GENESIS = "0".repeat(64);
  private static final byte[] DOMAIN = "cohort-audit-v1".getBytes(StandardCharsets.US_ASCII);

  /** Builds the entry that follows {@code prevHash}, computing its hash. */
  static AuditEntry next(long seq, Instant at, AuditEvent e, String prevHash) {
    AuditEntry unhashed = new AuditEntry(seq, at, e.actor(), e.action(), e.jobId(), e.round(), e.nodeId(), e.detail(),
        prevHash, null);
    return new AuditEntry(seq, at, e.actor(), e.action(), e.jobId(), e.round(), e.nodeId(), e.detail(), prevHash,
        unhashed.computeHash());
  }

  /**
   * The canonical encoding: a domain tag, then each field as a 4-byte big-endian length (−1 for
   * null) and its UTF-8 bytes; numbers and the time (ISO-8601, millisecond precision, UTC) as
   * decimal text. Unambiguous, so two different entries never encode alike.
   */
  public byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(DOMAIN);
    field(out, Long.toString(seq));
    field(out, occurredAt.toString());
    field(out, actor);
    field(out, action);
    field(out, jobId);
    field(out, round == null ? null : Integer.toString(round));
    field(out, nodeId);
    field(out, detail);
    field(out, prevHash);
    return out.toByteArray();
  }

  public String computeHash() {
    return Digests.hex(Digests.sha256(canonicalBytes()));
  }

  private static void field(ByteArrayOutputStream out, String value) {
    if (value == null) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
      return;
    }
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
    out.writeBytes(b);
  }
}
