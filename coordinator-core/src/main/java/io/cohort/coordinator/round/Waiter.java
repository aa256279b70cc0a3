package io.cohort.coordinator.round;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * How the round loop waits: until a condition holds or a deadline of the injected {@link Clock}
 * passes. Whoever changes what a waiter looks at (a result arrives, a node answers an offer, a
 * test's fake clock moves) calls {@link #changed()}, which wakes the waiter at once.
 *
 * <p>A waiter also re-checks every {@code recheck} of real time, because one thing it watches is
 * not an event: a node stops being live by falling silent, which nothing signals. Conditions are
 * evaluated outside this object's lock, so they may take their own locks in any order.
 */
public final class Waiter {
  private final Clock clock;
  private final Duration recheck;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changes = lock.newCondition();
  private long version;

  public Waiter(Clock clock, Duration recheck) {
    if (recheck.isNegative() || recheck.isZero()) {
      throw new IllegalArgumentException("recheck must be positive, got " + recheck);
    }
    this.clock = clock;
    this.recheck = recheck;
  }

  public Clock clock() {
    return clock;
  }

  public Instant now() {
    return clock.instant();
  }

  /** The instant {@code d} from now, by the injected clock. */
  public Instant in(Duration d) {
    return clock.instant().plus(d);
  }

  /**
   * Blocks until {@code done} holds or {@code deadline} has passed.
   *
   * @return whether {@code done} held (false: the deadline passed first)
   */
  public boolean until(BooleanSupplier done, Instant deadline) throws InterruptedException {
    while (true) {
      long seen = version();
      if (done.getAsBoolean()) {
        return true;
      }
      long left = deadline.toEpochMilli() - clock.millis();
      if (left <= 0) {
        return false;
      }
      lock.lockInterruptibly();
      try {
        if (version == seen) { // nothing changed since the check above: sleep until something does
          changes.await(Math.min(left, recheck.toMillis()), TimeUnit.MILLISECONDS);
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** Something a waiter may be waiting for has changed: wake every waiter to re-check. */
  public void changed() {
    lock.lock();
    try {
      version++;
      changes.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private long version() {
    lock.lock();
    try {
      return version;
    } finally {
      lock.unlock();
    }
  }
}
