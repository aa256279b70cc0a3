package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One job in lists and replies: {@code GET /api/v1/jobs}, submit and cancel. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobSummary(
    @JsonProperty("job_id") String jobId,
    String name,
    String task,
    String state,
    String dataset,
    @JsonProperty("rounds_total") int roundsTotal,
    @JsonProperty("rounds_completed") int roundsCompleted,
    @JsonProperty("min_nodes") int minNodes,
    @JsonProperty("failure_reason") String failureReason,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("secure_aggregation") String secureAggregation) {}
