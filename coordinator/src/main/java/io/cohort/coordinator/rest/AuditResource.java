package io.cohort.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.adminapi.AuditCheck;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.store.JobStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The audit log: entries page by page, and a verification of the whole chain. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class AuditResource {
  static final int MAX_LIMIT = 1000;

  @Inject JobStore store;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(long seq, @JsonProperty("occurred_at") String occurredAt, String actor, String action,
      @JsonProperty("job_id") String jobId, Integer round, @JsonProperty("node_id") String nodeId, String detail,
      @JsonProperty("prev_hash") String prevHash, String hash) {
    static Entry of(AuditEntry e) {
      return new Entry(e.seq(), e.occurredAt().toString(), e.actor(), e.action(), e.jobId(), e.round(), e.nodeId(),
          e.detail(), e.prevHash(), e.hash());
    }
  }

  /** Entries with {@code seq > after}, oldest first, at most {@code limit} (1..1000). */
  @GET
  public List<Entry> list(@QueryParam("after") @DefaultValue("0") long after,
      @QueryParam("limit") @DefaultValue("100") int limit, @QueryParam("job") String jobId,
      @QueryParam("node") String nodeId) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw DomainException.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
    return store.auditEntries(after, limit, jobId, nodeId).stream().map(Entry::of).toList();
  }

  /** Recomputes every hash and link; 200 either way, with {@code ok} and the first bad entry. */
  @GET
  @Path("verify")
  public AuditCheck verify() {
    return Views.auditCheck(store.verifyAudit());
  }
}
