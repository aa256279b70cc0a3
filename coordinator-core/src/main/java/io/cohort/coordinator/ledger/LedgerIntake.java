package io.cohort.coordinator.ledger;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.LedgerRow;
import io.cohort.coordinator.store.PrivacyStore;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.ledger.LedgerException;
import io.cohort.crypto.ledger.LedgerLines;
import io.cohort.crypto.ledger.Spend;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.proto.v1.LedgerEntry;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Verifies the privacy-ledger entries a node reports and stores them. An entry is stored only if
 * its signed line and its ledger's signed header verify under the identity key the node
 * registered with, every field of the message agrees with the signed line, it belongs to the job
 * it is reported for and to the reporting node, and it chains to its stored neighbours. The
 * coordinator never writes a node's ledger and cannot change its budget: it only keeps what the
 * node signed.
 */
public final class LedgerIntake {
  private static final HexFormat HEX = HexFormat.of();
  private static final int MAX_ENTRIES = 10_000;
  private final LedgerEntryStore store;
  private final PrivacyStore privacy;

  /**
   * @param privacy where new entries are also summarised for the privacy API, the dashboard and the
   *     audit log (null: not summarised); {@code store} keeps the signed lines, the authority
   */
  public LedgerIntake(LedgerEntryStore store, PrivacyStore privacy) {
    this.store = store;
    this.privacy = privacy;
  }

  /**
   * @param nodeId the authenticated reporting node
   * @param key the identity key it registered with, if any
   * @return the number of entries that were new
   * @throws DomainException INVALID_ARGUMENT naming the first entry that fails and why, or
   *     FAILED_PRECONDITION when the node has no key or an entry contradicts a stored one
   */
  public int accept(String nodeId, Optional<IdentityPublicKey> key, PushLedgerEntriesRequest req, Instant now) {
    if (key.isEmpty()) {
      throw DomainException.precondition("node '" + nodeId + "' registered without an identity key, so its ledger"
          + " entries cannot be verified");
    }
    if (req.getEntriesCount() > MAX_ENTRIES) {
      throw DomainException.invalid("at most " + MAX_ENTRIES + " ledger entries per call, got "
          + req.getEntriesCount());
    }
    int stored = 0;
    for (int i = 0; i < req.getEntriesCount(); i++) {
      StoredLedgerEntry e = verify(nodeId, key.get(), req.getJobId(), req.getEntries(i), "entries[" + i + "]", now);
      checkChain(e);
      try {
        if (store.insert(e)) {
          stored++;
          if (privacy != null) {
            // The node declares its budget only to itself (node.yaml), so the summary has none (NaN).
            privacy.record(new LedgerRow(e.nodeId(), e.datasetAlias(), e.seq(), e.jobId(), (int) e.round(),
                e.epsilonAfter(), e.delta(), Double.NaN, e.entryHash(), now));
          }
        }
      } catch (LedgerEntryStore.Conflict c) {
        throw DomainException.precondition(c.getMessage());
      }
    }
    return stored;
  }

  /** Checks one reported entry against its signed line and header; returns the row to store. */
  static StoredLedgerEntry verify(String nodeId, IdentityPublicKey key, String jobId,
      LedgerEntry p, String where, Instant now) {
    LedgerLines.VerifiedHeader header;
    LedgerLines.VerifiedEntry v;
    try {
      header = LedgerLines.verifyHeader(p.getLedgerHeader(), key);
      v = LedgerLines.verifyEntry(p.getSignedLine(), key);
    } catch (LedgerException e) {
      throw DomainException.invalid(where + ": " + e.getMessage() + " (node '" + nodeId + "')");
    }
    VerifiedLedgerEntry e = v.entry();
    String sig = p.getSignedLine().substring(p.getSignedLine().lastIndexOf("\tsig=") + 5);
    require(p.getNodeId().equals(nodeId), where, "node_id '" + p.getNodeId() + "' is not the reporting node");
    require(e.spend().jobId().equals(jobId) && p.getJobId().equals(jobId), where,
        "the entry belongs to job '" + e.spend().jobId() + "', not to job '" + jobId + "' it is reported for");
    require(header.datasetId().equals(p.getDatasetAlias()), where,
        "dataset_alias '" + p.getDatasetAlias() + "' differs from the signed header's '" + header.datasetId() + "'");
    require(header.delta() == p.getDelta(), where, "delta differs from the signed header's " + header.delta());
    require(e.seq() == p.getSeq() && e.spend().round() == p.getRound()
        && e.spend().segment().samplingProbability() == p.getSamplingRate()
        && e.spend().segment().noiseMultiplier() == p.getNoiseMultiplier()
        && e.spend().clipNorm() == p.getClipNorm() && e.spend().segment().steps() == p.getSteps()
        && e.accountant().equals(p.getAccountant()) && e.epsilonAfter() == p.getEpsilonAfter()
        && e.timestampMillis() == p.getTimestampUnixMs()
        && e.spend().jobTermsSha256().equals(p.getJobTermsSha256())
        && e.spend().mechanism().equals(p.getMechanism())
        && e.spend().unit().equals(p.getPrivacyUnit().isEmpty() ? Spend.RECORD_UNIT : p.getPrivacyUnit())
        && HEX.formatHex(p.getPreviousHash().toByteArray()).equals(v.previousHashHex())
        && HEX.formatHex(p.getSignature().toByteArray()).equals(sig), where,
        "a field differs from the signed line; the signed line is what counts");
    return new StoredLedgerEntry(nodeId, header.datasetId(), e.seq(), jobId, e.spend().round(), p.getMechanism(),
        e.spend().segment().samplingProbability(), e.spend().segment().noiseMultiplier(), e.spend().clipNorm(),
        e.spend().segment().steps(), e.accountant(), e.epsilonAfter(), header.delta(), e.timestampMillis(),
        v.previousHashHex(), e.hashHex(), p.getSignedLine(), p.getLedgerHeader(), now);
  }

  /** The entry must chain to a stored predecessor and successor, where those are held. */
  private void checkChain(StoredLedgerEntry e) {
    store.find(e.nodeId(), e.datasetAlias(), e.seq() - 1).ifPresent(prev -> {
      if (!prev.entryHash().equals(e.previousHash())) {
        throw DomainException.precondition("ledger entry " + e.seq() + " of node '" + e.nodeId() + "', dataset '"
            + e.datasetAlias() + "' does not chain to the stored entry " + prev.seq());
      }
    });
    store.find(e.nodeId(), e.datasetAlias(), e.seq() + 1).ifPresent(next -> {
      if (!next.previousHash().equals(e.entryHash())) {
        throw DomainException.precondition("ledger entry " + e.seq() + " of node '" + e.nodeId() + "', dataset '"
            + e.datasetAlias() + "' does not chain to the stored entry " + next.seq());
      }
    });
  }

  /** Re-verifies a stored entry's signed line and header under {@code key} (auditors, tests). */
  public static boolean verifyStored(StoredLedgerEntry e, IdentityPublicKey key) {
    try {
      LedgerLines.VerifiedHeader h = LedgerLines.verifyHeader(e.ledgerHeader(), key);
      LedgerLines.VerifiedEntry v = LedgerLines.verifyEntry(e.signedLine(), key);
      return h.datasetId().equals(e.datasetAlias()) && v.entry().hashHex().equals(e.entryHash())
          && v.entry().epsilonAfter() == e.epsilonAfter();
    } catch (LedgerException ex) {
      return false;
    }
  }

  private static void require(boolean ok, String where, String why) {
    if (!ok) {
      throw DomainException.invalid(where + ": " + why);
    }
  }
}
