package io.cohort.coordinator.store;

import java.time.Instant;

/**
 * A privacy-ledger entry a node reported, as stored after its signature verified. The reading
 * fields (job .. previousHash) agree with {@code signedLine}, which is the authority: re-verify it
 * under the node's identity key with {@code io.cohort.crypto.ledger.LedgerLines}.
 *
 * @param seq 1-based position in the node's ledger of the dataset
 * @param epsilonAfter the dataset's cumulative epsilon after this entry, at {@code delta}
 * @param recordedAtMillis when the node wrote the entry (its clock, Unix ms)
 * @param previousHash hex SHA-256 of the line before this one in the node's ledger
 * @param entryHash hex SHA-256 of {@code signedLine}
 * @param ledgerHeader the ledger's signed header line (dataset, key, delta)
 * @param receivedAt when the coordinator stored it
 */
public record StoredLedgerEntry(String nodeId, String datasetAlias, long seq, String jobId, long round,
    String mechanism, double samplingRate, double noiseMultiplier, double clipNorm, long steps, String accountant,
    double epsilonAfter, double delta, long recordedAtMillis, String previousHash, String entryHash,
    String signedLine, String ledgerHeader, Instant receivedAt) {}
