package io.cohort.coordinator.store;

import java.time.Instant;

/** A node's answer to a job offer. */
public record NodeDecision(String jobId, String nodeId, boolean accepted, String reason, Instant decidedAt) {}
