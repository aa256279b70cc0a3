package io.cohort.crypto.witness;

import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.keys.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's witness of the coordinator's audit log (issue 22 #7): the newest {@link SignedAuditHead}
 * it has seen, kept in a small 0600 text file beside its state, which never moves backwards.
 *
 * <p>What a received head is compared with:
 * <ul>
 *   <li>a newer head (higher seq) by the same key replaces the held one;</li>
 *   <li>a head with a lower seq ({@link Outcome#BACKWARDS}), another hash at the same seq
 *       ({@link Outcome#FORKED}), another signer ({@link Outcome#OTHER_KEY}) or a bad signature
 *       ({@link Outcome#BAD_SIGNATURE}) is a conflict: it is recorded, never adopted, and the head
 *       held at that moment is kept for good as <em>evidence</em>, so that a later, higher head
 *       (the coordinator's log growing again past the cut) cannot make the node forget it.</li>
 * </ul>
 * An auditor checks every head in the file (held and evidence) against the log: each must still
 * be in the chain ({@code cohort audit verify --witness FILE}).
 *
 * <p>Format, one record per line: {@code cohort-audit-witness v1}, then {@code head ...}, any
 * {@code evidence ...} lines (same fields) and {@code conflict at=<time> <text>} lines. The first
 * key seen is pinned: to accept a new coordinator key, the operator deletes the file.
 */
public final class AuditHeadWitness {
  private static final String MAGIC = "cohort-audit-witness v1";
  private static final Pattern HEAD = Pattern.compile(
      "(head|evidence) seq=(\\d{1,18}) hash=([0-9a-f]{64}) key=([0-9a-f]{64}) sig=([0-9a-f]{128}) seen=(\\S+)");
  private static final Pattern CONFLICT = Pattern.compile("conflict at=(\\S+) (.+)");
  private static final int MAX_EVIDENCE = 32;
  private static final int MAX_CONFLICTS = 32;

  /** What became of a received head. */
  public enum Outcome {
    /** The first head this node saw: adopted, and its key pinned. */
    FIRST,
    /** A newer head: adopted. */
    ADVANCED,
    /** The head already held. */
    UNCHANGED,
    /** A lower seq than the head held: the log was cut back or replaced. */
    BACKWARDS,
    /** Another hash at the held head's seq: the log was rewritten. */
    FORKED,
    /** Signed by another key than the pinned one. */
    OTHER_KEY,
    /** The signature does not verify. */
    BAD_SIGNATURE;

    public boolean conflict() {
      return ordinal() >= BACKWARDS.ordinal();
    }
  }

  /**
   * @param outcome what happened
   * @param message one line for the node's log (for a conflict: what was held and what came)
   * @param repeated true for a conflict identical to the last one recorded (not recorded again)
   */
  public record Observation(Outcome outcome, String message, boolean repeated) {}

  /** A head the witness holds, and when it was first seen. */
  public record Seen(SignedAuditHead head, Instant seenAt) {}

  /** A recorded conflict. */
  public record Conflict(Instant at, String message) {}

  private final Path file;
  private Seen head;
  private final List<Seen> evidence = new ArrayList<>();
  private final List<Conflict> conflicts = new ArrayList<>();

  private AuditHeadWitness(Path file) {
    this.file = file;
  }

  /** The witness kept in {@code file}; empty (nothing seen yet) when the file does not exist. */
  public static AuditHeadWitness open(Path file) throws IOException {
    AuditHeadWitness w = new AuditHeadWitness(file);
    if (Files.exists(file)) {
      w.parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }
    return w;
  }

  public Path file() {
    return file;
  }

  /** The newest head held, if any was seen. */
  public synchronized Optional<Seen> head() {
    return Optional.ofNullable(head);
  }

  /** Heads that were held when a conflicting one arrived, oldest first. */
  public synchronized List<Seen> evidence() {
    return List.copyOf(evidence);
  }

  /** Recorded conflicts, oldest first (at most the last {@value #MAX_CONFLICTS}). */
  public synchronized List<Conflict> conflicts() {
    return List.copyOf(conflicts);
  }

  /** Every head an auditor must find in the log: the evidence, then the held head. */
  public synchronized List<Seen> headsToCheck() {
    List<Seen> all = new ArrayList<>(evidence);
    if (head != null) {
      all.add(head);
    }
    return all;
  }

  /** Compares a head received from the coordinator with the one held; adopts it or records the conflict. */
  public synchronized Observation observe(SignedAuditHead received, Instant now) throws IOException {
    if (!received.verifies()) {
      return conflict(Outcome.BAD_SIGNATURE, "audit head " + received.seq() + " " + received.entryHash()
          + " does not carry a valid signature of key " + received.signerFingerprint() + "; not adopted", now);
    }
    if (head == null) {
      head = new Seen(received, now);
      write();
      return new Observation(Outcome.FIRST, "witnessed the coordinator's audit head " + received.seq() + " "
          + received.entryHash() + " (pinned its key " + received.signerFingerprint() + ")", false);
    }
    SignedAuditHead held = head.head();
    if (!received.signer().equals(held.signer())) {
      return conflict(Outcome.OTHER_KEY, "audit head " + received.seq() + " is signed by key "
          + received.signerFingerprint() + ", not by the coordinator key " + held.signerFingerprint()
          + " this node pinned; not adopted (delete " + file.getFileName() + " to accept a new key)", now);
    }
    if (received.seq() > held.seq()) {
      head = new Seen(received, now);
      write();
      return new Observation(Outcome.ADVANCED, "audit head " + received.seq() + " " + received.entryHash(), false);
    }
    if (received.seq() == held.seq()) {
      return received.entryHash().equals(held.entryHash())
          ? new Observation(Outcome.UNCHANGED, "audit head " + held.seq() + " unchanged", false)
          : conflict(Outcome.FORKED, "the coordinator's audit log was REWRITTEN: its head " + received.seq()
              + " has hash " + received.entryHash() + " but this node witnessed " + held.entryHash()
              + " at that entry", now);
    }
    return conflict(Outcome.BACKWARDS, "the coordinator's audit log WENT BACKWARDS: its head is entry "
        + received.seq() + " (" + received.entryHash() + ") but this node witnessed entry " + held.seq() + " ("
        + held.entryHash() + "); entries were cut or the database was restored", now);
  }

  private Observation conflict(Outcome outcome, String message, Instant now) throws IOException {
    if (!conflicts.isEmpty() && conflicts.get(conflicts.size() - 1).message().equals(message)) {
      return new Observation(outcome, message, true);
    }
    if (head != null && evidence.stream().noneMatch(e -> e.head().sameHeadAs(head.head()))
        && evidence.size() < MAX_EVIDENCE) {
      evidence.add(head);
    }
    conflicts.add(new Conflict(now, message));
    while (conflicts.size() > MAX_CONFLICTS) {
      conflicts.remove(0);
    }
    write();
    return new Observation(outcome, message, false);
  }

  private void write() throws IOException {
    StringBuilder sb = new StringBuilder(MAGIC).append('\n');
    if (head != null) {
      sb.append(line("head", head)).append('\n');
    }
    for (Seen e : evidence) {
      sb.append(line("evidence", e)).append('\n');
    }
    for (Conflict c : conflicts) {
      sb.append("conflict at=").append(c.at()).append(' ').append(c.message().replace('\n', ' ')).append('\n');
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      OwnerOnly.createDirectories(dir);
    }
    OwnerOnly.replaceDurably(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String line(String kind, Seen s) {
    HexFormat hex = HexFormat.of();
    SignedAuditHead h = s.head();
    return kind + " seq=" + h.seq() + " hash=" + h.entryHash() + " key=" + h.signer().hex() + " sig="
        + hex.formatHex(h.signature()) + " seen=" + s.seenAt();
  }

  private void parse(List<String> lines) throws IOException {
    int n = 0;
    for (String raw : lines) {
      n++;
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (n == 1) {
        if (!line.equals(MAGIC)) {
          throw bad(n, "expected '" + MAGIC + "'");
        }
        continue;
      }
      Matcher m = HEAD.matcher(line);
      Matcher c = CONFLICT.matcher(line);
      try {
        if (m.matches()) {
          HexFormat hex = HexFormat.of();
          Seen s = new Seen(new SignedAuditHead(Long.parseLong(m.group(2)), m.group(3),
              IdentityPublicKey.fromRaw(hex.parseHex(m.group(4))), hex.parseHex(m.group(5))), Instant.parse(m.group(6)));
          if (m.group(1).equals("head")) {
            head = s;
          } else {
            evidence.add(s);
          }
        } else if (c.matches()) {
          conflicts.add(new Conflict(Instant.parse(c.group(1)), c.group(2)));
        } else {
          throw bad(n, "expected 'head seq=N hash=<64 hex> key=<64 hex> sig=<128 hex> seen=<time>', an 'evidence'"
              + " line of the same form or 'conflict at=<time> <text>'");
        }
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw bad(n, e.getMessage());
      }
    }
  }

  private IOException bad(int line, String what) {
    return new IOException("audit witness file " + file + " line " + line + " is not valid: " + what);
  }
}
