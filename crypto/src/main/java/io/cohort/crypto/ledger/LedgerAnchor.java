package io.cohort.crypto.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local anchor of a ledger: a small file beside it, {@code <ledger>.anchor}, holding the
 * number of entries and the hash of the newest one (the header's hash while there are none). The
 * ledger cannot detect the removal of its own newest entries (issue 22 #1); the anchor can.
 *
 * <p>Write order: {@link PrivacyLedger#record} fsyncs the entry first and the anchor second
 * (written to a temporary file created 0600, fsynced, renamed over the old one). A crash between the two
 * leaves the ledger <em>ahead</em> of its anchor, which is harmless and repaired on the next
 * open; a ledger <em>behind</em> its anchor, or holding another entry at the anchor's position,
 * has been rolled back.
 *
 * <p>Security: the anchor is no secret and not signed; someone able to rewrite both files
 * together defeats it. It catches a restored backup, a copy from another day or a cut tail even
 * offline; the coordinator's acknowledged (entry, hash), checked at registration, covers the
 * rest.
 *
 * @param entries how many entries the ledger held when the anchor was written
 * @param lastHash hex SHA-256 of entry {@code entries}'s line (of the header line when 0)
 */
public record LedgerAnchor(long entries, String lastHash) {
  private static final String MAGIC = "cohort-ledger-anchor v1";
  private static final Pattern LINE = Pattern.compile(Pattern.quote(MAGIC) + " entries=(\\d{1,18}) last=([0-9a-f]{64})");

  /** The anchor file of {@code ledger}. */
  public static Path pathFor(Path ledger) {
    return ledger.resolveSibling(ledger.getFileName() + ".anchor");
  }

  /**
   * Where a node keeps the coordinator's last acknowledgement of {@code ledger} (same format), so
   * the read-only operator commands can compare the file against it.
   */
  public static Path ackPathFor(Path ledger) {
    return ledger.resolveSibling(ledger.getFileName() + ".ack");
  }

  /** The anchor of {@code ledger}, or empty when it has none yet. */
  public static Optional<LedgerAnchor> read(Path ledger) throws IOException {
    return readFrom(pathFor(ledger));
  }

  /** The coordinator's acknowledgement the node last saved for {@code ledger}, or empty. */
  public static Optional<LedgerAnchor> readAck(Path ledger) throws IOException {
    return readFrom(ackPathFor(ledger));
  }

  /** Saves this as the coordinator's acknowledgement of {@code ledger} (durably, like the anchor). */
  public void writeAck(Path ledger) throws IOException {
    writeTo(ackPathFor(ledger));
  }

  private static Optional<LedgerAnchor> readFrom(Path p) throws IOException {
    if (!Files.exists(p)) {
      return Optional.empty();
    }
    String text = Files.readString(p, StandardCharsets.UTF_8).strip();
    Matcher m = LINE.matcher(text);
    if (!m.matches()) {
      throw new LedgerException("ledger anchor file " + p + " is not a valid anchor (expected one line '" + MAGIC
          + " entries=N last=<64 hex>'); restore it from a backup or the ledger's operator");
    }
    return Optional.of(new LedgerAnchor(Long.parseLong(m.group(1)), m.group(2)));
  }

  /** Writes the anchor of {@code ledger} durably: temporary file, fsync, atomic rename, directory fsync. */
  void write(Path ledger) throws IOException {
    writeTo(pathFor(ledger));
  }

  private void writeTo(Path p) throws IOException {
    // 0600 from birth (issue 22 #8): the anchor names how much this dataset's ledger holds.
    io.cohort.crypto.keys.OwnerOnly.replaceDurably(p,
        (MAGIC + " entries=" + entries + " last=" + lastHash + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Why {@code entries} (a verified ledger's entries, oldest first) are behind this anchor, or
   * empty when they hold it (the same entry at the anchor's position, possibly more after it).
   */
  public Optional<String> behind(List<VerifiedLedgerEntry> ledgerEntries) {
    if (entries == 0) {
      return Optional.empty(); // nothing was ever spent; a recreated header loses nothing
    }
    if (ledgerEntries.size() < entries) {
      return Optional.of("has " + ledgerEntries.size() + " entries but its anchor records " + entries
          + " (newest entry hash " + lastHash.substring(0, 16) + "…): the newest entries were removed");
    }
    String at = ledgerEntries.get((int) (entries - 1)).hashHex();
    if (!at.equals(lastHash)) {
      return Optional.of("holds another entry " + entries + " than its anchor records (hash "
          + at.substring(0, 16) + "… instead of " + lastHash.substring(0, 16) + "…): it was replaced");
    }
    return Optional.empty();
  }

  /**
   * Checks a verified ledger file against its anchor without writing anything (the read-only
   * operator commands): the reason it was rolled back, or empty when it was not or has no anchor.
   */
  public static Optional<String> check(Path ledger, Verification v) throws IOException {
    Optional<LedgerAnchor> a = read(ledger);
    Optional<String> behind = a.isEmpty() ? Optional.empty() : a.get().behind(v.entries());
    if (behind.isPresent()) {
      return behind.map(b -> b + " (local anchor)");
    }
    Optional<LedgerAnchor> ack = readAck(ledger);
    return ack.isEmpty() ? Optional.empty()
        : ack.get().behind(v.entries()).map(b -> b.replace("its anchor", "the coordinator's acknowledgement"));
  }
}
