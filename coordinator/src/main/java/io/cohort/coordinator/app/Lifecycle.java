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

  void onStart(@Observes StartupEvent e) {
    java.nio.file.Path dataDir = java.nio.file.Path.of(config.dataDir());
    try {
      for (java.nio.file.Path p : DataDirectory.restrict(dataDir)) {
        LOG.info(() -> "restricted " + p + " to its owner (" + (java.nio.file.Files.isDirectory(p) ? "0700" : "0600") + ")");
      }
    } catch (java.io.IOException ex) {
      LOG.warning(() -> "cannot restrict the permissions of the data directory " + dataDir.toAbsolutePath() + ": " + ex);
    }
    adminToken.ensure();
    scheduler.observe(roundEvents);
    presence.start();
    LOG.info(() -> "coordinator data in " + java.nio.file.Path.of(config.dataDir()).toAbsolutePath()
        + ", database " + config.database());
    scheduler.resumeActiveJobs();
  }

  void onStop(@Observes ShutdownEvent e) {
    presence.stop();
    scheduler.close();
  }
}
