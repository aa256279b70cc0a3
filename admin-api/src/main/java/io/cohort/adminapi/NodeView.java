package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A registered node: its software version, declared dataset aliases and whether it is connected. */
public record NodeView(@JsonProperty("node_id") String nodeId,
    @JsonProperty("software_version") String softwareVersion, List<String> datasets, boolean connected,
    @JsonProperty("last_seen") String lastSeen) {}
