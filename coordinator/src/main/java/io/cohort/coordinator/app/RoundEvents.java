package io.cohort.coordinator.app;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.cohort.coordinator.round.RoundObserver;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.RoundRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jboss.logmanager.MDC;

/**
 * Connects the round loop to the audit log (round starts and failed attempts; stored changes are
 * audited by the stores themselves), the metrics, and the logging context: the driver thread's
 * log lines carry {@code job_id} and {@code round} in the MDC.
 */
@ApplicationScoped
public class RoundEvents implements RoundObserver {
  private static final Logger LOG = Logger.getLogger(RoundEvents.class.getName());

  @Inject JobStore store;
  @Inject CoordinatorMetrics metrics;

  @Override
  public void driverStarted(String jobId) {
    MDC.put("job_id", jobId);
  }

  @Override
  public void driverStopped(String jobId) {
    MDC.remove("job_id");
    MDC.remove("round");
  }

  @Override
  public void offerAnswered(String jobId, String nodeId, boolean accepted, String reason) {
    metrics.offerAnswered(accepted);
  }

  @Override
  public void roundStarted(String jobId, int round, int attempt, List<String> participants, boolean secure) {
    MDC.put("round", Integer.toString(round));
    audit(AuditEvent.system("round.started", jobId, round, null, "attempt " + attempt + ", "
        + (secure ? "secure aggregation" : "plaintext") + ", participants " + participants));
  }

  @Override
  public void roundAttemptFailed(String jobId, int round, int attempt, String problem) {
    metrics.roundAttemptFailed();
    audit(AuditEvent.system("round.attempt_failed", jobId, round, null, "attempt " + attempt + ": " + problem));
  }

  @Override
  public void roundCompleted(RoundRecord round, Duration aggregation, boolean secure) {
    metrics.roundCompleted(round, aggregation, secure);
  }

  private void audit(AuditEvent e) {
    try {
      store.audit(e);
    } catch (RuntimeException ex) {
      // The round goes on; the failure is visible in the log and as a gap-free but shorter log.
      LOG.log(Level.WARNING, "could not audit " + e.action() + " of job " + e.jobId(), ex);
    }
  }
}
