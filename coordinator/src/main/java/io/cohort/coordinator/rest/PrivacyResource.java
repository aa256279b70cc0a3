package io.cohort.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.LedgerRow;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.coordinator.store.PrivacyStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Optional;

/**
 * Privacy spend per node and dataset, from the ledger entries nodes upload, against the budget
 * each node declared for the dataset when it registered (display only: the coordinator cannot set
 * or change a node's budget). Each entry carries its
 * mechanism parameters and {@code signature_verified} from the signed line stored in
 * {@link LedgerEntryStore} (checked against the node's registered key when it was received); an
 * entry without a stored signed line reports neither.
 */
@Path("/api/v1/privacy")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PrivacyResource {
  @Inject PrivacyStore privacy;
  @Inject LedgerEntryStore signedEntries;

  /**
   * One node's dataset. The budget fields are what the node declared when it last registered
   * (its node.yaml); they are absent when it declared none. The coordinator only displays them.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Spend(@JsonProperty("node_id") String nodeId, String dataset, long entries,
      @JsonProperty("epsilon_spent") double epsilonSpent, double delta,
      @JsonProperty("budget_epsilon") Double budgetEpsilon, @JsonProperty("remaining_epsilon") Double remaining,
      @JsonProperty("budget_delta") Double budgetDelta, @JsonProperty("budget_accountant") String budgetAccountant,
      @JsonProperty("budget_reported_at") String budgetReportedAt) {
    static Spend of(PrivacyStore.Spend s) {
      var b = s.budget();
      return new Spend(s.nodeId(), s.dataset(), s.entries(), s.epsilonSpent(), s.delta(), nan(s.budgetEpsilon()),
          nan(s.remainingEpsilon()), b.map(PrivacyStore.DeclaredBudget::delta).orElse(null),
          b.map(PrivacyStore.DeclaredBudget::accountant).orElse(null),
          b.map(x -> x.reportedAt().toString()).orElse(null));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(@JsonProperty("node_id") String nodeId, String dataset, @JsonProperty("entry_seq") long entrySeq,
      @JsonProperty("job_id") String jobId, Integer round, @JsonProperty("epsilon_after") double epsilonAfter,
      double delta, @JsonProperty("entry_sha256") String entrySha256, @JsonProperty("received_at") String receivedAt,
      String mechanism, @JsonProperty("sampling_rate") Double samplingRate,
      @JsonProperty("noise_multiplier") Double noiseMultiplier, @JsonProperty("clip_norm") Double clipNorm,
      Long steps, String accountant, @JsonProperty("recorded_at_ms") Long recordedAtMs,
      @JsonProperty("signature_verified") Boolean signatureVerified) {
    /** @param signed the stored signed line of the same entry, when the node reported one */
    static Entry of(LedgerRow r, Optional<StoredLedgerEntry> signed) {
      // Only a stored line with the same hash describes this row; otherwise report no parameters.
      StoredLedgerEntry e = signed.filter(x -> x.entryHash().equals(r.entrySha256())).orElse(null);
      return new Entry(r.nodeId(), r.dataset(), r.entrySeq(), r.jobId(), r.round(), r.epsilonAfter(), r.delta(),
          r.entrySha256(), r.receivedAt().toString(),
          e == null ? null : e.mechanism(), e == null ? null : e.samplingRate(),
          e == null ? null : e.noiseMultiplier(), e == null ? null : e.clipNorm(), e == null ? null : e.steps(),
          e == null ? null : e.accountant(), e == null ? null : e.recordedAtMillis(), e == null ? null : Boolean.TRUE);
    }
  }

  public record Report(List<Spend> spend, List<Entry> entries) {}

  @GET
  public Report show(@QueryParam("node") String nodeId, @QueryParam("dataset") String dataset) {
    return new Report(privacy.spend(nodeId, dataset).stream().map(Spend::of).toList(),
        privacy.entries(nodeId, dataset).stream()
            .map(r -> Entry.of(r, signedEntries.find(r.nodeId(), r.dataset(), r.entrySeq()))).toList());
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
