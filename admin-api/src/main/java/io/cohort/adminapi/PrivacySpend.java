package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One node's dataset in {@code GET /api/v1/privacy}: the epsilon its verified ledger entries
 * record, and the budget the node declared for the dataset when it last registered (its
 * node.yaml). The budget fields are absent when it declared none; the coordinator only displays them.
 * {@code reserved_epsilon} is what the node last reported (with each heartbeat) as reserved for jobs
 * it accepted and has not spent yet, at the dataset's delta; absent when it reported none since the
 * coordinator started. {@code remaining_epsilon} is budget minus spent: the node also keeps the
 * reserved share for its accepted jobs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PrivacySpend(@JsonProperty("node_id") String nodeId, String dataset, long entries,
    @JsonProperty("epsilon_spent") double epsilonSpent, double delta,
    @JsonProperty("budget_epsilon") Double budgetEpsilon, @JsonProperty("remaining_epsilon") Double remaining,
    @JsonProperty("budget_delta") Double budgetDelta, @JsonProperty("budget_accountant") String budgetAccountant,
    @JsonProperty("budget_reported_at") String budgetReportedAt,
    @JsonProperty("reserved_epsilon") Double reservedEpsilon, @JsonProperty("reserved_jobs") Integer reservedJobs,
    @JsonProperty("reserved_reported_at") String reservedReportedAt) {}
