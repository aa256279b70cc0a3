package io.cohort.coordinator.store;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each node last reported reserving of its budgeted datasets for accepted jobs not yet spent
 * (issue 22 #2), for display beside the spent epsilon. Kept in memory only: it is the node's own
 * number, refreshed with every heartbeat, and the node alone enforces its budget, so nothing here
 * is a record to keep across restarts. A report names only datasets the node offered when it
 * registered, with a finite, non-negative epsilon.
 */
public final class ReservedBudgets {
  /** One dataset's reservation as the node reported it. */
  public record Reserved(double epsilon, int jobs, Instant reportedAt) {}

  private final Map<String, Reserved> byNodeAndDataset = new ConcurrentHashMap<>();
  private final Clock clock;

  public ReservedBudgets(Clock clock) {
    this.clock = clock;
  }

  /**
   * Records a node's report for one dataset; ignores a value that cannot be a reservation.
   *
   * @return whether it was recorded
   */
  public boolean report(String nodeId, String dataset, double epsilon, int jobs) {
    if (!Double.isFinite(epsilon) || epsilon < 0 || jobs < 0) {
      return false;
    }
    byNodeAndDataset.put(key(nodeId, dataset), new Reserved(epsilon, jobs, clock.instant()));
    return true;
  }

  public Optional<Reserved> find(String nodeId, String dataset) {
    return Optional.ofNullable(byNodeAndDataset.get(key(nodeId, dataset)));
  }

  private static String key(String nodeId, String dataset) {
    return nodeId + "\u0000" + dataset;
  }
}
