package io.cohort.coordinator.round;

import java.time.Duration;

/**
 * Timing of the round loop that is not part of a job spec.
 *
 * @param evaluationTimeout how long an evaluation phase waits for metrics
 * @param maxRoundAttempts how often a round is retried when fewer than min_nodes results arrive
 * @param pollInterval how often waiting phases re-check liveness
 * @param maxUpdateBytes the largest update a node may upload
 */
public record RoundSettings(
    Duration evaluationTimeout, int maxRoundAttempts, Duration pollInterval, long maxUpdateBytes) {
  public RoundSettings {
    if (maxRoundAttempts < 1) {
      throw new IllegalArgumentException("maxRoundAttempts must be at least 1, got " + maxRoundAttempts);
    }
  }
}
