package io.cohort.coordinator.app;

import io.cohort.coordinator.round.JobScheduler;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.logging.Logger;

/** Resumes unfinished jobs once the coordinator is up, and stops round drivers on shutdown. */
@ApplicationScoped
public class Lifecycle {
  private static final Logger LOG = Logger.getLogger(Lifecycle.class.getName());

  @Inject JobScheduler scheduler;
  @Inject CoordinatorConfig config;
  @Inject AdminToken adminToken;
  @Inject RoundEvents roundEvents;
  @Inject NodePresence presence;
  @Inject io.cohort.coordinator.node.NodeRegistry registry;
  @Inject io.cohort.coordinator.store.JobStore store;

  void onStart(@Observes StartupEvent e) {
    ShutdownGate.open();
    java.nio.file.Path dataDir = java.nio.file.Path.of(config.dataDir());
    try {
      for (java.nio.file.Path p : DataDirectory.restrict(dataDir)) {
        LOG.info(() -> "restricted " + p + " to its owner (" + (java.nio.file.Files.isDirectory(p) ? "0700" : "0600") + ")");
      }
    } catch (java.io.IOException ex) {
      LOG.warning(() -> "cannot restrict the permissions of the data directory " + dataDir.toAbsolutePath() + ": " + ex);
    }
    store.auditLog(); // issue 22 #7: verified when created (CoordinatorBeans.auditLog), before anything appends
    adminToken.ensure();
    scheduler.observe(roundEvents);
    presence.start();
    LOG.info(() -> "coordinator data in " + java.nio.file.Path.of(config.dataDir()).toAbsolutePath()
        + ", database " + config.database());
    scheduler.resumeActiveJobs();
  }

  /**
   * Orderly stop (issue 22 finding #4): refuse new node calls (the CDI container stops before the
   * gRPC server), end the nodes' long polls while the event loops can still send their answers,
   * then stop the presence timer and the round drivers. A request still
   * blocked on a worker thread when Quarkus stops its event loops would fail to answer with a
   * RejectedExecutionException stack trace.
   */
  void onStop(@Observes ShutdownEvent e) {
    ShutdownGate.close();
    registry.close();
    try {
      if (!registry.awaitNoPolls(java.time.Duration.ofSeconds(2))) {
        LOG.warning("node long polls did not end within 2 s of shutdown");
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    presence.stop();
    scheduler.close();
  }
}
