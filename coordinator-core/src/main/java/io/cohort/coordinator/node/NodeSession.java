package io.cohort.coordinator.node;

import java.util.List;

/** One registration of a node. A node that registers again gets a new session; the old one dies. */
public record NodeSession(String nodeId, String sessionId, String softwareVersion, List<String> datasets) {}
