package io.cohort.crypto.ledger;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.keys.IdentityPublicKey;

/**
 * Verifies single ledger lines handed out by a node ({@link PrivacyLedger#signedLine},
 * {@link PrivacyLedger#headerLine}), for a verifier that holds the node's public key but not
 * its ledger file: the coordinator storing the entries a node reports, an auditor.
 *
 * <p>Security guarantees: a line that verifies was signed by the holder of {@code key}'s private
 * half, unchanged. One line alone does not prove its place in the chain: the caller checks
 * continuity with {@link VerifiedEntry#previousHashHex} against the entry before it, where it
 * holds that entry, and the dataset binding through the verified header.
 */
public final class LedgerLines {
  private LedgerLines() {}

  /** A verified entry line and the hash of the line before it in the node's ledger. */
  public record VerifiedEntry(VerifiedLedgerEntry entry, String previousHashHex) {}

  /** A verified header line: the dataset the ledger belongs to and the delta of its epsilons. */
  public record VerifiedHeader(String datasetId, double delta, String hashHex) {}

  /** @throws LedgerException naming why the line does not verify under {@code key} */
  public static VerifiedEntry verifyEntry(String line, IdentityPublicKey key) throws LedgerException {
    String seq = field(line, "seq");
    String prev = field(line, "prev");
    try {
      return new VerifiedEntry(LedgerCodec.parseEntry(line, Long.parseLong(seq), prev, key), prev);
    } catch (LedgerCodec.BadLine | NumberFormatException | DpParameterException e) {
      throw new LedgerException("ledger entry does not verify: " + e.getMessage());
    }
  }

  /** @throws LedgerException naming why the header does not verify under {@code key} */
  public static VerifiedHeader verifyHeader(String line, IdentityPublicKey key) throws LedgerException {
    try {
      LedgerCodec.Header h = LedgerCodec.parseHeader(line, key, null);
      return new VerifiedHeader(h.datasetId(), h.delta(), h.hashHex());
    } catch (LedgerCodec.BadLine e) {
      throw new LedgerException("ledger header does not verify: " + e.getMessage());
    }
  }

  /** The value of {@code \tname=} in {@code line}, or empty (parsing then fails with the reason). */
  private static String field(String line, String name) {
    String tag = "\t" + name + "=";
    int at = line == null ? -1 : line.indexOf(tag);
    if (at < 0) {
      return "";
    }
    int end = line.indexOf('\t', at + tag.length());
    return line.substring(at + tag.length(), end < 0 ? line.length() : end);
  }
}
