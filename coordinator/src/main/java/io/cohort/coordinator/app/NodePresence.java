package io.cohort.coordinator.app;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Audits nodes leaving: once per heartbeat interval, a node that was live and no longer is gets a
 * {@code node.left} entry (joins are audited when a registration is stored).
 */
@ApplicationScoped
public class NodePresence {
  private static final Logger LOG = Logger.getLogger(NodePresence.class.getName());

  @Inject NodeRegistry registry;
  @Inject JobStore store;
  private ScheduledExecutorService timer;
  private Set<String> live = new HashSet<>();

  void start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cohort-node-presence");
      t.setDaemon(true);
      return t;
    });
    long ms = registry.heartbeatInterval().toMillis();
    timer.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
  }

  void check() {
    try {
      Set<String> now = new HashSet<>();
      for (NodeSession s : registry.liveSessions()) {
        now.add(s.nodeId());
      }
      for (String gone : live) {
        if (!now.contains(gone)) {
          store.audit(new AuditEvent(AuditEvent.SYSTEM, "node.left", null, null, gone,
              "no heartbeat for 3 intervals of " + registry.heartbeatInterval().toMillis() + " ms"));
          LOG.info(() -> "node " + gone + " left (no heartbeat)");
        }
      }
      live = now;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "node presence check failed", e);
    }
  }

  void stop() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
