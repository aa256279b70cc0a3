package io.cohort.coordinator.store;

import java.time.Instant;
import java.util.List;

/** A node the coordinator has seen register. */
public record NodeRecord(
    String nodeId, String softwareVersion, List<String> datasets, Instant firstSeen, Instant lastSeen) {}
