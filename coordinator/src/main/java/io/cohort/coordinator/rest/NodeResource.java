package io.cohort.coordinator.rest;

import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.store.JobStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Nodes the coordinator has seen, and whether each is connected now. */
@Path("/api/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class NodeResource {
  @Inject JobStore store;
  @Inject NodeRegistry registry;

  @GET
  public List<Views.Node> list() {
    return store.nodes().stream()
        .map(n -> Views.Node.of(n, registry.liveSession(n.nodeId()).isPresent(),
            registry.lastSeen(n.nodeId()).filter(t -> t.isAfter(n.lastSeen())).orElse(n.lastSeen())))
        .toList();
  }
}
