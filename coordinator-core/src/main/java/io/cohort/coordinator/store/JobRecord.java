package io.cohort.coordinator.store;

import io.cohort.coordinator.job.JobState;
import io.cohort.proto.v1.JobSpec;
import java.time.Instant;

/** A stored job: its spec and how far it got. */
public record JobRecord(
    String jobId,
    JobSpec spec,
    JobState state,
    int completedRounds,
    String failureReason,
    Instant createdAt,
    Instant updatedAt) {}
