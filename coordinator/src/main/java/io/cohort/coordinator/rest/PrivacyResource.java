package io.cohort.coordinator.rest;

import io.cohort.adminapi.PrivacyEntry;
import io.cohort.adminapi.PrivacyReport;
import io.cohort.adminapi.PrivacySpend;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.LedgerRow;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.PrivacyStore;
import io.cohort.coordinator.store.ReservedBudgets;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;

/**
 * Privacy spend per node and dataset, from the ledger entries nodes upload, against the budget
 * each node declared for the dataset when it registered (display only: the coordinator cannot set
 * or change a node's budget), as the {@code io.cohort.adminapi} records {@link PrivacyReport},
 * {@link PrivacySpend} and {@link PrivacyEntry}. Each entry carries its
 * mechanism parameters and {@code signature_verified} from the signed line stored in
 * {@link LedgerEntryStore} (checked against the node's registered key when it was received); an
 * entry without a stored signed line reports neither. {@code audits}: each node's one-run privacy
 * audit per audited job ({@code ?job=} for one job; {@code ?node=} filters these too).
 */
@Path("/api/v1/privacy")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PrivacyResource {
  @Inject PrivacyStore privacy;
  @Inject LedgerEntryStore signedEntries;
  @Inject PrivacyAuditStore audits;
  @Inject ReservedBudgets reservedBudgets;

  static PrivacySpend spend(PrivacyStore.Spend s, Optional<ReservedBudgets.Reserved> reserved) {
    var b = s.budget();
    var r = reserved.orElse(null);
    return new PrivacySpend(s.nodeId(), s.dataset(), s.entries(), s.epsilonSpent(), s.delta(), nan(s.budgetEpsilon()),
        nan(s.remainingEpsilon()), b.map(PrivacyStore.DeclaredBudget::delta).orElse(null),
        b.map(PrivacyStore.DeclaredBudget::accountant).orElse(null),
        b.map(x -> x.reportedAt().toString()).orElse(null), r == null ? null : r.epsilon(),
        r == null ? null : r.jobs(), r == null ? null : r.reportedAt().toString());
  }

  /** @param signed the stored signed line of the same entry, when the node reported one */
  static PrivacyEntry entry(LedgerRow r, Optional<StoredLedgerEntry> signed) {
    // Only a stored line with the same hash describes this row; otherwise report no parameters.
    StoredLedgerEntry e = signed.filter(x -> x.entryHash().equals(r.entrySha256())).orElse(null);
    return new PrivacyEntry(r.nodeId(), r.dataset(), r.entrySeq(), r.jobId(), r.round(), r.epsilonAfter(), r.delta(),
        r.entrySha256(), r.receivedAt().toString(),
        e == null ? null : e.mechanism(), e == null ? null : e.samplingRate(),
        e == null ? null : e.noiseMultiplier(), e == null ? null : e.clipNorm(), e == null ? null : e.steps(),
        e == null ? null : e.accountant(), e == null ? null : e.recordedAtMillis(), e == null ? null : Boolean.TRUE,
        e == null ? null : unitOf(e.signedLine()));
  }

  /** The signed line's privacy unit (issue 19 #2): its {@code unit=} field, or {@code record} without one. */
  static String unitOf(String signedLine) {
    int at = signedLine == null ? -1 : signedLine.indexOf("\tunit=");
    if (at < 0) {
      return "record";
    }
    int from = at + "\tunit=".length();
    int end = signedLine.indexOf('\t', from);
    return end < 0 ? signedLine.substring(from) : signedLine.substring(from, end);
  }

  @GET
  public PrivacyReport show(@QueryParam("node") String nodeId, @QueryParam("dataset") String dataset,
      @QueryParam("job") String jobId) {
    return new PrivacyReport(privacy.spend(nodeId, dataset).stream()
        .map(s -> spend(s, reservedBudgets.find(s.nodeId(), s.dataset()))).toList(),
        privacy.entries(nodeId, dataset).stream()
            .map(r -> entry(r, signedEntries.find(r.nodeId(), r.dataset(), r.entrySeq()))).toList(),
        audits.audits(jobId).stream().filter(a -> nodeId == null || a.nodeId().equals(nodeId))
            .map(Views::privacyAudit).toList());
  }

  /** {@link #show(String, String, String)} with the audits of every job. */
  public PrivacyReport show(String nodeId, String dataset) {
    return show(nodeId, dataset, null);
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
