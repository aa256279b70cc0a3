package io.cohort.coordinator.rest;

import io.cohort.adminapi.Decision;
import io.cohort.adminapi.NodeStatus;
import io.cohort.adminapi.NodeView;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.NodeRecord;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;

/** Nodes the coordinator has seen, whether each is connected now, and one node's answers to jobs. */
@Path("/api/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class NodeResource {
  @Inject JobStore store;
  @Inject NodeRegistry registry;
  @Inject io.cohort.coordinator.tls.PkiContext pki;

  @GET
  public List<NodeView> list() {
    return store.nodes().stream().map(this::view).toList();
  }

  /** One node: what {@link #list} shows, plus its answer to every job offered to it. */
  @GET
  @Path("{nodeId}")
  public NodeStatus status(@PathParam("nodeId") String nodeId) {
    NodeRecord n = store.nodes().stream().filter(r -> r.nodeId().equals(nodeId)).findFirst()
        .orElseThrow(() -> DomainException.notFound("no node '" + nodeId + "' has ever registered"));
    List<Decision> jobs = new ArrayList<>();
    for (var job : store.jobs()) {
      store.decisions(job.jobId()).stream().filter(d -> d.nodeId().equals(nodeId))
          .forEach(d -> jobs.add(Views.decision(d)));
    }
    return new NodeStatus(view(n), n.firstSeen().toString(), jobs);
  }

  private NodeView view(NodeRecord n) {
    NodeView v = Views.node(n, registry.liveSession(n.nodeId()).isPresent(),
        registry.lastSeen(n.nodeId()).filter(t -> t.isAfter(n.lastSeen())).orElse(n.lastSeen()));
    // Issue 22 #9: a revoked node said "not connected"; a certificate issued after the revocation readmits it.
    var revoked = pki.revocations().revokedAt(n.nodeId()).filter(at -> !n.lastSeen().isAfter(at)
        && !v.connected());
    return revoked.isEmpty() ? v : new NodeView(v.nodeId(), v.softwareVersion(), v.datasets(), false, v.lastSeen(),
        revoked.get().toString());
  }
}
