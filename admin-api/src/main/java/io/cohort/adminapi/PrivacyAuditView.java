package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One node's one-run privacy audit of one job ({@code privacy.audit}), as the node reported it with
 * its latest evaluation: of {@code guesses} guesses about {@code canaries} secret canaries,
 * {@code correct} were right, which bounds the job's epsilon on that node from below by
 * {@code epsilonLowerBound} with {@code confidence}, at {@code delta}. {@code accountedEpsilon} is
 * the node accountant's epsilon for the same {@code steps}; absent for a job without DP (infinite).
 * A bound above the accounted epsilon means the implementation or the accounting is broken.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PrivacyAuditView(@JsonProperty("job_id") String jobId, @JsonProperty("node_id") String nodeId,
    int round, long steps, int canaries, int guesses, int correct,
    @JsonProperty("epsilon_lower_bound") double epsilonLowerBound, double delta, double confidence,
    @JsonProperty("accounted_epsilon") Double accountedEpsilon, @JsonProperty("reported_at") String reportedAt) {}
