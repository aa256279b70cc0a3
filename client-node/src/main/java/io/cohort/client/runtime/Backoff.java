package io.cohort.client.runtime;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter for reconnecting (AWS architecture blog, "Exponential
 * Backoff And Jitter"): waits a random time up to min(max, initial * 2^attempt), so a restarted
 * coordinator is not hit by every node at once. The jitter is not security randomness.
 */
public final class Backoff {
  private final long initialMillis;
  private final long maxMillis;
  private int attempt;

  public Backoff(Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
    }
    this.initialMillis = initial.toMillis();
    this.maxMillis = max.toMillis();
  }

  /** The ceiling of the next wait, before jitter. */
  long ceilingMillis() {
    return Math.min(maxMillis, initialMillis << Math.min(attempt, 30));
  }

  /** The next wait; each call doubles the ceiling until {@code max}. */
  public Duration next() {
    long ceiling = ceilingMillis();
    attempt++;
    return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
  }

  public void reset() {
    attempt = 0;
  }
}
