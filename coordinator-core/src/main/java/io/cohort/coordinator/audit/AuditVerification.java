package io.cohort.coordinator.audit;

/**
 * The outcome of recomputing the chain.
 *
 * @param ok true when every entry's hash, link and sequence number check out
 * @param entries how many entries were read
 * @param firstBadSeq the sequence number of the first entry that fails, or null when ok
 * @param problem what is wrong with that entry, or null when ok
 * @param headSeq the last entry's sequence number (0 when empty)
 * @param headHash the last entry's hash (the genesis value when empty); record it elsewhere to
 *     detect a later truncation or rewrite of the whole chain
 */
public record AuditVerification(boolean ok, long entries, Long firstBadSeq, String problem, long headSeq,
    String headHash) {}
