package io.cohort.coordinator.node;

import io.cohort.coordinator.DomainException;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The nodes that are connected now. Thread-safe.
 *
 * <p>A node is live while its session is current and it was heard from (heartbeat or any call)
 * within {@code 3 x heartbeatInterval}. Tasks wait in a per-session queue until the node pulls
 * them; a new registration discards the old session's queue, since a restarted node has lost
 * whatever it was doing.
 */
public final class NodeRegistry {
  private static final int MISSED_HEARTBEATS = 3;
  /** A long poll re-checks {@link #close()} this often. */
  private static final long POLL_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicInteger polling = new java.util.concurrent.atomic.AtomicInteger();

  private final Clock clock;
  private final Duration heartbeatInterval;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final List<Consumer<NodeSession>> registrationListeners = new CopyOnWriteArrayList<>();

  private static final class Entry {
    final NodeSession session;
    final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    volatile long lastSeenMillis;

    Entry(NodeSession session, long now) {
      this.session = session;
      this.lastSeenMillis = now;
    }
  }

  public NodeRegistry(Clock clock, Duration heartbeatInterval) {
    this.clock = clock;
    this.heartbeatInterval = heartbeatInterval;
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Called after each registration, on the registering thread. */
  public void onRegistered(Consumer<NodeSession> listener) {
    registrationListeners.add(listener);
  }

  public NodeSession register(String nodeId, String softwareVersion, List<String> datasets) {
    NodeSession s = new NodeSession(nodeId, SecureTokens.token(), softwareVersion, List.copyOf(datasets));
    entries.put(nodeId, new Entry(s, clock.millis()));
    for (Consumer<NodeSession> l : registrationListeners) {
      l.accept(s);
    }
    return s;
  }

  /** Ends the node's session at once (its certificate was revoked): it is no longer live and must register again. */
  public void end(String nodeId) {
    entries.remove(nodeId);
  }

  /** The current session of the node, after checking the caller holds it; refreshes liveness. */
  public NodeSession authenticate(String nodeId, String sessionId) {
    Entry e = entries.get(nodeId);
    if (e == null || !e.session.sessionId().equals(sessionId)) {
      throw new DomainException(DomainException.Kind.UNAUTHENTICATED,
          "no current session " + "for node '" + nodeId + "'; register again");
    }
    e.lastSeenMillis = clock.millis();
    return e.session;
  }

  /** True while the node's session is current and it was heard from recently. */
  public boolean isLive(String nodeId, String sessionId) {
    Entry e = entries.get(nodeId);
    return e != null
        && e.session.sessionId().equals(sessionId)
        && clock.millis() - e.lastSeenMillis <= MISSED_HEARTBEATS * heartbeatInterval.toMillis();
  }

  public Optional<NodeSession> liveSession(String nodeId) {
    Entry e = entries.get(nodeId);
    return e != null && isLive(nodeId, e.session.sessionId()) ? Optional.of(e.session) : Optional.empty();
  }

  /** When the node was last heard from in this coordinator process, if at all. */
  public Optional<java.time.Instant> lastSeen(String nodeId) {
    Entry e = entries.get(nodeId);
    return e == null ? Optional.empty() : Optional.of(java.time.Instant.ofEpochMilli(e.lastSeenMillis));
  }

  public List<NodeSession> liveSessions() {
    List<NodeSession> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (isLive(e.session.nodeId(), e.session.sessionId())) {
        out.add(e.session);
      }
    }
    out.sort((a, b) -> a.nodeId().compareTo(b.nodeId()));
    return out;
  }

  /**
   * Queues a task for the given session; dropped silently if that session is gone. Every task that
   * carries a JobSpec is stamped with the spec's canonical hash (issue 21 #4), which the node
   * compares with the terms it accepted.
   */
  public boolean enqueue(NodeSession session, Task task) {
    Entry e = entries.get(session.nodeId());
    if (e == null || !e.session.sessionId().equals(session.sessionId())) {
      return false;
    }
    e.tasks.add(io.cohort.wire.JobTerms.stamped(task));
    return true;
  }

  /**
   * Waits up to {@code maxWait} for the session's next task.
   *
   * @throws InterruptedException also when the registry is closed (the coordinator is stopping):
   *     the node then hears "shutting down" and backs off
   */
  public Optional<Task> poll(NodeSession session, Duration maxWait) throws InterruptedException {
    Entry e = entries.get(session.nodeId());
    if (e == null || !e.session.sessionId().equals(session.sessionId())) {
      throw new DomainException(DomainException.Kind.UNAUTHENTICATED,
          "session of node '" + session.nodeId() + "' was replaced; register again");
    }
    polling.incrementAndGet();
    try {
      long deadline = System.nanoTime() + maxWait.toNanos();
      Task t = e.tasks.poll(); // a task already queued is taken even with a zero wait
      while (t == null && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        t = e.tasks.poll(Math.min(left, POLL_SLICE_NANOS), TimeUnit.NANOSECONDS);
      }
      if (t == null && closed) {
        throw new InterruptedException("the coordinator is shutting down");
      }
      e.lastSeenMillis = clock.millis();
      return Optional.ofNullable(t);
    } finally {
      polling.decrementAndGet();
    }
  }

  /**
   * Ends every long poll within a poll slice and refuses new ones, so that no request is still
   * waiting on a worker thread when the server's event loops stop (issue 22 finding #4: that
   * late answer was the RejectedExecutionException printed on SIGTERM). Queued tasks stay queued.
   */
  public void close() {
    closed = true;
  }

  /** After {@link #close()}: waits up to {@code timeout} until no poll is in progress. */
  public boolean awaitNoPolls(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (polling.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }
}
