package io.cohort.coordinator.round;

import io.cohort.coordinator.node.NodeSession;
import java.util.List;

/**
 * Chooses who takes part in a round, like Flower's {@code configure_fit}: the strategy hook for
 * sampling a fraction of nodes, preferring fast ones or rotating them. The protocol may narrow the
 * choice further (secure aggregation needs each node's identity key).
 */
@FunctionalInterface
public interface ParticipantSelector {
  /** Every live node that accepted the job takes part: the behaviour before this hook existed. */
  ParticipantSelector ALL_AVAILABLE = (round, available) -> available;

  /**
   * @param round the round number, from 1
   * @param available the live nodes that accepted the job, sorted by node id
   * @return the participants, a subset of {@code available}
   */
  List<NodeSession> select(int round, List<NodeSession> available);
}
