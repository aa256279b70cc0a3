package io.cohort.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.coordinator.store.LedgerRow;
import io.cohort.coordinator.store.PrivacyStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Privacy spend per node and dataset, from the ledger entries nodes upload. Nodes do not upload
 * entries yet (no DP in training), so both lists are empty until they do.
 */
@Path("/api/v1/privacy")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PrivacyResource {
  @Inject PrivacyStore privacy;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Spend(@JsonProperty("node_id") String nodeId, String dataset, long entries,
      @JsonProperty("epsilon_spent") double epsilonSpent, double delta,
      @JsonProperty("budget_epsilon") Double budgetEpsilon, @JsonProperty("remaining_epsilon") Double remaining) {
    static Spend of(PrivacyStore.Spend s) {
      return new Spend(s.nodeId(), s.dataset(), s.entries(), s.epsilonSpent(), s.delta(), nan(s.budgetEpsilon()),
          nan(s.remainingEpsilon()));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(@JsonProperty("node_id") String nodeId, String dataset, @JsonProperty("entry_seq") long entrySeq,
      @JsonProperty("job_id") String jobId, Integer round, @JsonProperty("epsilon_after") double epsilonAfter,
      double delta, @JsonProperty("entry_sha256") String entrySha256, @JsonProperty("received_at") String receivedAt) {
    static Entry of(LedgerRow r) {
      return new Entry(r.nodeId(), r.dataset(), r.entrySeq(), r.jobId(), r.round(), r.epsilonAfter(), r.delta(),
          r.entrySha256(), r.receivedAt().toString());
    }
  }

  public record Report(List<Spend> spend, List<Entry> entries) {}

  @GET
  public Report show(@QueryParam("node") String nodeId, @QueryParam("dataset") String dataset) {
    return new Report(privacy.spend(nodeId, dataset).stream().map(Spend::of).toList(),
        privacy.entries(nodeId, dataset).stream().map(Entry::of).toList());
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
