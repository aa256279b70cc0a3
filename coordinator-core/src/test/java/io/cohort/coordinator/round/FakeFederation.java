package io.cohort.coordinator.round;

import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.ServerStateFiles;
import io.cohort.coordinator.strategy.StrategyFactory;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Task;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A coordinator's round loop without Quarkus or sockets: the real {@link JobStore} (H2, the real
 * migrations), {@link ModelStore}, {@link NodeRegistry} and {@link RoundDriver} on a fake clock,
 * with fake nodes at the seam the gRPC service uses: they pull tasks from the registry's queues
 * and hand results to the driver's {@link RoundDriver#offers()} and {@link RoundDriver#tasks()},
 * each call refreshing the node's liveness as the service's authentication does.
 */
final class FakeFederation implements AutoCloseable {
  static final Duration HEARTBEAT = Duration.ofSeconds(1); // a node is live for 3 s after its last call
  static final Duration ROUND_TIMEOUT = Duration.ofSeconds(60);

  final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
  final NodeRegistry registry = new NodeRegistry(clock, HEARTBEAT);
  final NodeIdentities identities = new NodeIdentities();
  final JobStore store;
  final ModelStore models;
  final JobSpec spec;
  final RoundDriver driver;
  final List<String> events = new CopyOnWriteArrayList<>();
  private final List<FakeNode> nodes = new ArrayList<>();
  private Thread thread;
  private volatile Boolean finished;

  /** A job from {@code yaml}, nodes to be added, the driver not yet started; attempts per round as given. */
  FakeFederation(Path dir, String yaml, int maxRoundAttempts) throws Exception {
    this(dir, yaml, maxRoundAttempts, ParticipantSelector.ALL_AVAILABLE);
  }

  FakeFederation(Path dir, String yaml, int maxRoundAttempts, ParticipantSelector selector) throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    store = new JobStore(ds);
    models = new ModelStore(dir.resolve("models"), 1 << 24);
    spec = JobFiles.parse(yaml, "test.yaml", "job-fake");
    store.createJob(spec, clock.instant());
    RoundSettings settings = new RoundSettings(Duration.ofSeconds(5), maxRoundAttempts, Duration.ofMillis(20), 1 << 24);
    Waiter waiter = new Waiter(clock, settings.pollInterval());
    clock.onAdvance(waiter::changed);
    driver = new RoundDriver(spec, store, models, registry,
        new StrategyFactory(new ServerStateFiles(dir.resolve("models"), 1 << 24)).forJob(spec), waiter, settings,
        identities, selector);
    registry.onRegistered(driver::onRegistered);
    driver.observe(new RoundObserver() {
      @Override
      public void roundStarted(String jobId, int round, int attempt, List<String> participants, boolean secure) {
        events.add("started round " + round + " attempt " + attempt + " with " + participants);
      }

      @Override
      public void roundAttemptFailed(String jobId, int round, int attempt, String problem) {
        events.add("failed round " + round + " attempt " + attempt + ": " + problem);
      }
    });
  }

  FakeNode add(FakeNode n) {
    n.session = registry.register(n.id, "test", List.of("d"));
    nodes.add(n);
    return n;
  }

  void start() {
    thread = new Thread(() -> finished = driver.run(), "round-driver-under-test");
    thread.setDaemon(true);
    thread.start();
  }

  JobRecord job() {
    return store.job(spec.getJobId()).orElseThrow();
  }

  /**
   * Lets every node that is not silent handle its queued tasks, over and over, until {@code done}
   * holds. The fake clock does not move here: only real time passes, bounded by {@code limit}.
   */
  void runNodesUntil(String what, BooleanSupplier done, Duration limit) throws Exception {
    long end = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not reached within " + limit + " of real time: " + what + "; job " + job()
            + "; events " + events);
      }
      for (FakeNode n : nodes) {
        if (!n.silent) {
          heartbeat(n);
          for (Task t = n.next(registry); t != null; t = n.next(registry)) {
            n.handle(t, driver);
          }
        }
      }
      Thread.sleep(2); // the test's nodes poll; the driver under test waits on its Waiter
    }
  }

  void heartbeat(FakeNode n) {
    registry.authenticate(n.id, n.session.sessionId());
  }

  /**
   * Moves the fake clock by {@code total} in steps short enough that nodes which are not silent
   * stay live (they heartbeat after each step), while silent ones fall out after 3 s.
   */
  void advanceHeartbeating(Duration total) {
    Duration step = Duration.ofSeconds(2);
    for (Duration moved = Duration.ZERO; moved.compareTo(total) < 0; moved = moved.plus(step)) {
      clock.advance(step);
      for (FakeNode n : nodes) {
        if (!n.silent) {
          heartbeat(n);
        }
      }
    }
  }

  /** Waits (real time) for the driver thread to end, and returns the job's final state. */
  JobState awaitEnd(Duration limit) throws Exception {
    thread.join(limit.toMillis());
    if (thread.isAlive()) {
      throw new AssertionError("the driver did not finish within " + limit + "; job " + job() + "; events " + events);
    }
    if (!Boolean.TRUE.equals(finished)) {
      throw new AssertionError("the driver stopped on an internal error; job " + job());
    }
    return job().state();
  }

  static List<String> ids(List<NodeSession> sessions) {
    return sessions.stream().map(NodeSession::nodeId).toList();
  }

  @Override
  public void close() throws InterruptedException {
    if (thread != null && thread.isAlive()) {
      thread.interrupt();
      thread.join(5_000);
    }
  }
}
