package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The result of verifying the audit log's hash chain ({@code GET /api/v1/audit/verify}, {@code cohort audit verify}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditCheck(boolean ok, long entries, @JsonProperty("first_bad_seq") Long firstBadSeq,
    String problem, @JsonProperty("head_seq") long headSeq, @JsonProperty("head_hash") String headHash) {}
