package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code GET /api/v1/nodes/ID}: the node and its answers to every job offered to it. */
public record NodeStatus(NodeView node, @JsonProperty("first_seen") String firstSeen, List<Decision> jobs) {}
