package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A node's answer to a job offer: accepted, or declined with its reason. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Decision(@JsonProperty("job_id") String jobId, @JsonProperty("node_id") String nodeId,
    boolean accepted, String reason, @JsonProperty("decided_at") String decidedAt) {}
