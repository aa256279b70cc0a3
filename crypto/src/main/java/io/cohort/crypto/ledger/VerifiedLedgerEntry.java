package io.cohort.crypto.ledger;

/**
 * One verified ledger entry as stored.
 *
 * @param seq 1-based position in the ledger
 * @param spend what was released
 * @param accountant id and version of the accountant that computed {@code epsilonAfter}
 * @param epsilonAfter the dataset's total epsilon after this entry, at the ledger's delta
 * @param timestampMillis when the entry was written (Unix epoch milliseconds)
 * @param hashHex SHA-256 of the entry's stored line, the next entry's {@code prev}
 */
public record VerifiedLedgerEntry(long seq, Spend spend, String accountant, double epsilonAfter, long timestampMillis,
    String hashHex) {}
