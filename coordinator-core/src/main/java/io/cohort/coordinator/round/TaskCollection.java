package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeSession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The tasks of one phase (a training round attempt or an evaluation) and the results that came
 * back. Thread-safe: gRPC threads deliver results while the driver thread waits on the
 * {@link Waiter}, which every delivery wakes.
 *
 * @param <R> the result type of the phase
 */
final class TaskCollection<R> {
  private final String label;
  private final int round;
  private final Map<String, NodeSession> assignments = new LinkedHashMap<>();
  private final Map<String, R> results = new LinkedHashMap<>();
  private final Map<String, String> abandoned = new HashMap<>();
  private final Waiter waiter;
  /** A check of each result against the phase's rules (same tensor layout, say); throws to refuse it. */
  private final Consumer<R> admission;
  private boolean closed;

  TaskCollection(String label, int round, Waiter waiter) {
    this(label, round, waiter, r -> {});
  }

  TaskCollection(String label, int round, Waiter waiter, Consumer<R> admission) {
    this.label = label;
    this.round = round;
    this.waiter = waiter;
    this.admission = admission;
  }

  int round() {
    return round;
  }

  synchronized void expect(String taskId, NodeSession session) {
    assignments.put(taskId, session);
  }

  /** The assignment a result claims, after checking it is open and belongs to the caller. */
  synchronized NodeSession check(String taskId, NodeSession caller, int claimedRound) {
    NodeSession s = assignments.get(taskId);
    if (s == null || !s.nodeId().equals(caller.nodeId())) {
      throw DomainException.precondition(
          "task " + taskId + " is not an open " + label + " task of node '" + caller.nodeId() + "'");
    }
    if (claimedRound != round) {
      throw DomainException.precondition(
          "task " + taskId + " belongs to round " + round + ", not round " + claimedRound);
    }
    if (closed) {
      throw DomainException.precondition(label + " of round " + round + " has closed; result not used");
    }
    if (results.containsKey(taskId) || abandoned.containsKey(taskId)) {
      throw new DomainException(DomainException.Kind.ALREADY_EXISTS,
          "task " + taskId + " already has a result");
    }
    return s;
  }

  void deliver(String taskId, NodeSession caller, int claimedRound, R result) {
    synchronized (this) {
      check(taskId, caller, claimedRound);
      admission.accept(result);
      results.put(taskId, result);
    }
    waiter.changed(); // outside this lock: the waiter's condition takes it
  }

  void abandon(String taskId, NodeSession caller, String reason) {
    synchronized (this) {
      check(taskId, caller, round);
      abandoned.put(taskId, reason);
    }
    waiter.changed();
  }

  synchronized boolean owns(String taskId) {
    return assignments.containsKey(taskId);
  }

  /**
   * Waits until every assigned node has answered or is no longer live, or until the deadline.
   * Returns the results by node id, and closes the collection so late results are refused.
   */
  Map<String, R> awaitAndClose(Instant deadline, BiPredicate<String, String> isLive) throws InterruptedException {
    waiter.until(() -> pendingLive(isLive).isEmpty(), deadline);
    synchronized (this) {
      closed = true;
      Map<String, R> byNode = new LinkedHashMap<>();
      results.forEach((taskId, r) -> byNode.put(assignments.get(taskId).nodeId(), r));
      return byNode;
    }
  }

  private synchronized List<String> pendingLive(BiPredicate<String, String> isLive) {
    List<String> pending = new ArrayList<>();
    assignments.forEach((taskId, s) -> {
      if (!results.containsKey(taskId) && !abandoned.containsKey(taskId) && isLive.test(s.nodeId(), s.sessionId())) {
        pending.add(taskId);
      }
    });
    return pending;
  }

  synchronized Map<String, String> abandonedReasons() {
    Map<String, String> out = new LinkedHashMap<>();
    abandoned.forEach((taskId, reason) -> out.put(assignments.get(taskId).nodeId(), reason));
    return out;
  }
}
