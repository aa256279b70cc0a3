package io.cohort.coordinator.store;

import java.time.Instant;

/**
 * One privacy-ledger entry as a node uploaded it.
 *
 * @param entrySeq the entry's number in the node's ledger for this dataset
 * @param epsilonAfter the dataset's cumulative ε after this entry, as the node's accountant computed it
 * @param delta the δ the ε is stated at
 * @param budgetEpsilon the ε budget the node declared for the dataset, or NaN when it declared none
 * @param entrySha256 the hex SHA-256 of the signed entry line, to match it with the node's ledger file
 */
public record LedgerRow(String nodeId, String dataset, long entrySeq, String jobId, Integer round,
    double epsilonAfter, double delta, double budgetEpsilon, String entrySha256, Instant receivedAt) {}
