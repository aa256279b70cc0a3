package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code GET /api/v1/jobs/ID}: the job, every node's decision, its completed rounds, and, for a job
 * with {@code privacy.audit}, each node's audited epsilon beside its accounted epsilon. {@code node_metrics}
 * says in words what the rounds' per-node metrics are under the job's privacy (issue 23 #7).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobDetail(JobSummary job, List<Decision> nodes, List<RoundView> rounds, List<PrivacyAuditView> audits,
    @JsonProperty("node_metrics") String nodeMetrics) {

  public JobDetail(JobSummary job, List<Decision> nodes, List<RoundView> rounds, List<PrivacyAuditView> audits) {
    this(job, nodes, rounds, audits, null);
  }
}
