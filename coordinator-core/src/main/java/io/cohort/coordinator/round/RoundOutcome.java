package io.cohort.coordinator.round;

import io.cohort.wire.TensorBundle;
import java.time.Duration;
import java.util.List;

/** How one attempt of a round ended: aggregated, failed after sending tasks, or refused before. */
public sealed interface RoundOutcome {

  /**
   * The attempt produced the next global model.
   *
   * @param participants the nodes that were sent tasks
   * @param contributors the nodes whose updates are in the aggregate
   * @param examples the total weight (example count) of the contributors' updates
   * @param aggregation the time to combine the updates or, under secure aggregation, to run the protocol
   */
  record Aggregated(TensorBundle nextModel, List<String> participants, List<String> contributors, long examples,
      Duration aggregation) implements RoundOutcome {}

  /** Tasks went out, but too few usable results came back; the round may be tried again. */
  record Failed(String reason) implements RoundOutcome {}

  /** The attempt could not start with these participants (too few, unsafe settings); nothing was sent. */
  record Refused(String reason) implements RoundOutcome {}
}
