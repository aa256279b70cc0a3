package io.cohort.coordinator.round;

import io.cohort.coordinator.node.NodeSession;
import io.cohort.wire.TensorBundle;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What one attempt of a round starts from.
 *
 * @param round the round number, from 1
 * @param attempt the attempt number within the round, from 1
 * @param participants the nodes chosen for this attempt (live, accepted the job)
 * @param global the global model the round starts from; empty for a plain job's first round
 * @param globalModelId the stored id of {@code global} ("" when empty), for nodes to download it
 * @param onStart called by the protocol with the nodes it sends tasks to, before it sends any
 */
public record RoundInput(int round, int attempt, List<NodeSession> participants, Optional<TensorBundle> global,
    String globalModelId, Consumer<List<NodeSession>> onStart) {
  public RoundInput {
    participants = List.copyOf(participants);
  }
}
