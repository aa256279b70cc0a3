package io.cohort.coordinator.app;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.job.JobFileException;
import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.store.JobStore;
import io.cohort.proto.v1.JobSpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.logging.Logger;

/** Accepts job files: validates, stores and starts them. */
@ApplicationScoped
public class JobService {
  private static final Logger LOG = Logger.getLogger(JobService.class.getName());
  private static final SecureRandom IDS = new SecureRandom();

  @Inject JobStore store;
  @Inject JobScheduler scheduler;
  @Inject Clock clock;

  public JobSpec submit(String yaml, String source) {
    return submit(yaml, source, AuditEvent.SYSTEM);
  }

  /** Validates, stores and starts a job; {@code actor} is the submitter's audit identity. */
  public JobSpec submit(String yaml, String source, String actor) {
    byte[] id = new byte[6];
    IDS.nextBytes(id);
    String jobId = "job-" + HexFormat.of().formatHex(id);
    JobSpec spec;
    try {
      spec = JobFiles.parse(yaml, source, jobId);
    } catch (JobFileException e) {
      throw DomainException.invalid(e.getMessage());
    }
    store.createJob(spec, actor, clock.instant());
    scheduler.start(spec);
    LOG.info(() -> "job " + jobId + " (" + spec.getName() + ") submitted: " + spec.getRounds() + " rounds, dataset '"
        + spec.getDatasetAlias() + "', min_nodes " + spec.getMinNodes());
    return spec;
  }

  /**
   * Cancels an offered or running job: stores CANCELLED first (so nothing can revive it), then
   * stops its driver. Tasks already sent to nodes are refused when their results arrive.
   */
  public void cancel(String jobId, String actor) {
    var job = store.job(jobId).orElseThrow(() -> DomainException.notFound("no job '" + jobId + "'"));
    if (job.state().terminal()) {
      throw DomainException.precondition("job " + jobId + " is already " + job.state() + " and cannot be cancelled");
    }
    if (!store.setState(jobId, JobState.CANCELLED, "cancelled by " + actor, actor,
        clock.instant())) {
      throw DomainException.precondition("job " + jobId + " finished before it could be cancelled");
    }
    scheduler.stop(jobId);
    LOG.info(() -> "job " + jobId + " cancelled by " + actor);
  }
}
