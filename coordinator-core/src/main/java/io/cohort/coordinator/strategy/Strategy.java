package io.cohort.coordinator.strategy;

import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.Optional;

/**
 * Turns the results of a round into the next global model (Flower's strategy split: the
 * {@code RoundDriver} owns the loop and timeouts; a strategy only aggregates). One instance serves
 * one job; a strategy with server state (FedAdam) keeps it in a {@link ServerStateStore} keyed by
 * round, so that a restarted coordinator resumes with exactly the state it would have had.
 */
public interface Strategy {
  /**
   * Plaintext rounds: the nodes' locally trained models.
   *
   * @param round the round being aggregated, 1-based
   * @param current the global model the round started from; empty in round 1 without secure aggregation
   * @param updates at least one update, all with the same tensor layout
   */
  TensorBundle aggregate(int round, Optional<TensorBundle> current, List<ClientUpdate> updates);

  /**
   * Secure rounds: the coordinator learns only the example-weighted mean of the nodes' deltas
   * ({@code local - global}), coordinate by coordinate in the global model's tensor order.
   */
  TensorBundle applyMeanDelta(int round, TensorBundle global, MeanDelta meanDelta);

  String name();

  /** The weighted mean update delta of a round, by flat coordinate over the global model's tensors. */
  @FunctionalInterface
  interface MeanDelta {
    double at(int coordinate);
  }
}
