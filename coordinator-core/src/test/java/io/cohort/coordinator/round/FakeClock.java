package io.cohort.coordinator.round;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so, and tells the round's {@link Waiter} when it does. */
final class FakeClock extends Clock {
  private final AtomicLong millis;
  private final List<Runnable> onAdvance = new CopyOnWriteArrayList<>();

  FakeClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  void onAdvance(Runnable r) {
    onAdvance.add(r);
  }

  void advance(Duration d) {
    millis.addAndGet(d.toMillis());
    onAdvance.forEach(Runnable::run);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
