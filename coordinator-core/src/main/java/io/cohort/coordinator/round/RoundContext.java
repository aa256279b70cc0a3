package io.cohort.coordinator.round;

import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.proto.v1.JobSpec;
import java.time.Duration;
import java.time.Instant;

/**
 * What every phase of one job shares: the job, the nodes, where their results arrive, and time.
 *
 * @param tasks where nodes' results for this job's open phase arrive
 * @param waiter the job's clock and waiting; every deadline is taken from it
 * @param statistics the federation's feature statistics, once known (issue 23 #2)
 */
record RoundContext(JobSpec spec, NodeRegistry registry, OpenTasks tasks, Waiter waiter, RoundSettings settings,
    JobStatistics statistics) {
  String jobId() {
    return spec.getJobId();
  }

  /** The end of a round (or offer) window that starts now: the job's {@code round_timeout}. */
  Instant roundDeadline() {
    return waiter.in(Duration.ofMillis(spec.getRoundTimeoutMs()));
  }
}
