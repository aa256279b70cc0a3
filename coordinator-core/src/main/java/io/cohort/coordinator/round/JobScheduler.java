package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.strategy.StrategyFactory;
import io.cohort.proto.v1.JobSpec;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Owns one {@link RoundDriver} per active job: starts drivers for new jobs, resumes the active
 * ones at start-up, routes node events to them, and stops them on shutdown.
 */
public final class JobScheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobScheduler.class.getName());

  private static final long RETRY_PAUSE_MILLIS = 5_000;

  private final JobStore store;
  private final ModelStore models;
  private final NodeRegistry registry;
  private final StrategyFactory strategies;
  private final Clock clock;
  private final RoundSettings settings;
  private final NodeIdentities identities = new NodeIdentities();
  private final Map<String, RoundDriver> drivers = new ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.Future<?>> running = new ConcurrentHashMap<>();
  private volatile RoundObserver observer = RoundObserver.NONE;
  private volatile ParticipantSelector selector = ParticipantSelector.ALL_AVAILABLE;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cohort-round-driver");
        t.setDaemon(true);
        return t;
      });

  public JobScheduler(JobStore store, ModelStore models, NodeRegistry registry, StrategyFactory strategies,
      Clock clock, RoundSettings settings) {
    this.store = store;
    this.models = models;
    this.registry = registry;
    this.strategies = strategies;
    this.clock = clock;
    this.settings = settings;
    registry.onRegistered(this::onRegistered);
  }

  /** Resumes every job that was offered or running when the coordinator stopped. */
  public void resumeActiveJobs() {
    for (JobRecord job : store.activeJobs()) {
      LOG.info(() -> "resuming job " + job.jobId() + " (" + job.state() + ", " + job.completedRounds()
          + " of " + job.spec().getRounds() + " rounds completed)");
      start(job.spec());
    }
  }

  /** Sets the hooks every driver started from now on reports to. */
  public void observe(RoundObserver o) {
    this.observer = o;
  }

  /** Sets how the drivers started from now on choose each round's participants. */
  public void selectParticipants(ParticipantSelector s) {
    this.selector = s;
  }

  public void start(JobSpec spec) {
    // One waiter per job: results for one job wake only that job's driver.
    RoundDriver driver = new RoundDriver(spec, store, models, registry, strategies.forJob(spec),
        new Waiter(clock, settings.pollInterval()), settings, identities, selector);
    driver.observe(observer);
    drivers.put(spec.getJobId(), driver);
    running.put(spec.getJobId(), executor.submit(() -> {
      observer.driverStarted(spec.getJobId());
      try {
        // An unexpected error (a database hiccup, say) does not strand the job: run it again from
        // its stored state after a pause, as a restart would.
        while (!driver.run()) {
          Thread.sleep(RETRY_PAUSE_MILLIS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        drivers.remove(spec.getJobId(), driver);
        observer.driverStopped(spec.getJobId());
      }
    }));
  }

  /**
   * Stops the driver of a job that the caller has already moved to a terminal state (a cancel):
   * interrupts whatever phase it is in. Returns false when no driver was running.
   */
  public boolean stop(String jobId) {
    java.util.concurrent.Future<?> f = running.remove(jobId);
    return f != null && f.cancel(true);
  }

  /** The identity keys nodes registered with (trust on first use). */
  public NodeIdentities identities() {
    return identities;
  }

  /** The driver of an active job. */
  public RoundDriver driver(String jobId) {
    RoundDriver d = drivers.get(jobId);
    if (d == null) {
      throw DomainException.precondition("job " + jobId + " is not active");
    }
    return d;
  }

  private void onRegistered(NodeSession session) {
    for (RoundDriver d : drivers.values()) {
      d.onRegistered(session);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warning("round drivers did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
