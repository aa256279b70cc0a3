package io.cohort.coordinator.round;

import io.cohort.coordinator.store.RoundRecord;
import java.time.Duration;
import java.util.List;

/**
 * Hooks the round loop calls for auditing and metrics. Every method has a no-op default and is
 * called on the driver's thread (offer answers on the answering node's gRPC thread); an observer
 * must not block and must not throw.
 */
public interface RoundObserver {
  RoundObserver NONE = new RoundObserver() {};

  /** The driver of a job starts (or resumes) on the current thread. */
  default void driverStarted(String jobId) {}

  /** The driver thread is about to finish or pause. */
  default void driverStopped(String jobId) {}

  default void offerAnswered(String jobId, String nodeId, boolean accepted, String reason) {}

  /** An attempt of a round sends its tasks to these participants. */
  default void roundStarted(String jobId, int round, int attempt, List<String> participants, boolean secure) {}

  /** An attempt of a round ended without a result; the round is retried or the job fails. */
  default void roundAttemptFailed(String jobId, int round, int attempt, String problem) {}

  /**
   * A round was stored. {@code aggregation}: the time to combine the updates (FedAvg) or, under
   * secure aggregation, the protocol from key advertisement to unmasking.
   */
  default void roundCompleted(RoundRecord round, Duration aggregation, boolean secure) {}
}
