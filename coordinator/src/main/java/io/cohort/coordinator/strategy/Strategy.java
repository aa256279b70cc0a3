package io.cohort.coordinator.strategy;

import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.Optional;

/**
 * Turns the results of a round into the next global model (Flower's strategy split: the
 * {@code RoundDriver} owns the loop and timeouts; a strategy only aggregates). Implementations
 * are stateless and thread-safe; server-side DP or robust aggregation wrap or replace FedAvg.
 */
public interface Strategy {
  /**
   * @param current the global model the round started from; empty in round 1
   * @param updates at least one update, all with the same tensor layout
   */
  TensorBundle aggregate(Optional<TensorBundle> current, List<ClientUpdate> updates);

  String name();
}
