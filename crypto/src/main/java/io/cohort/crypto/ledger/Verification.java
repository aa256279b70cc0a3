package io.cohort.crypto.ledger;

import java.util.List;

/**
 * The outcome of verifying a ledger file.
 *
 * @param status VALID; TORN_TAIL (every complete entry verifies, the file ends in an incomplete
 *     entry that a crash left mid-write and that was therefore never released); or CORRUPT
 * @param entries the entries that verified, in order (for CORRUPT: those before the first bad one)
 * @param badEntry for CORRUPT and TORN_TAIL, the 1-based sequence number of the first bad entry (0
 *     for the header); -1 when VALID
 * @param reason a one-line human explanation, empty when VALID
 */
public record Verification(Status status, List<VerifiedLedgerEntry> entries, long badEntry, String reason) {
  public enum Status { VALID, TORN_TAIL, CORRUPT }

  public boolean isValid() {
    return status == Status.VALID;
  }

  @Override
  public String toString() {
    return status == Status.VALID ? "VALID (" + entries.size() + " entries)"
        : status + " at entry " + badEntry + ": " + reason;
  }
}
