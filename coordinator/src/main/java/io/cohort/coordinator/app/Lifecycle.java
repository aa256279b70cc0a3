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
