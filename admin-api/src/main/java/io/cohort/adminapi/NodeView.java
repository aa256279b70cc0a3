package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A registered node: its software version, declared dataset aliases and whether it is connected. */
public record NodeView(@JsonProperty("node_id") String nodeId,
    @JsonProperty("software_version") String softwareVersion, List<String> datasets, boolean connected,
    @JsonProperty("last_seen") String lastSeen, @JsonProperty("revoked_at") String revokedAt) {

  /** "revoked", "connected" or "not connected": what an operator reads first (issue 22 #9). */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public String connection() {
    return revokedAt != null ? "revoked" : connected ? "connected" : "not connected";
  }
}
