package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WaiterTest {
  private final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
  /** A recheck far longer than the test: only changed() (here, the fake clock) can wake the waiter. */
  private final Waiter waiter = new Waiter(clock, Duration.ofHours(1));

  @Test
  void deadlineOfTheInjectedClock_endsTheWaitWhenTheFakeClockPassesIt() throws Exception {
    clock.onAdvance(waiter::changed);
    Instant deadline = waiter.in(Duration.ofMinutes(10));
    CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> {
      try {
        return waiter.until(() -> false, deadline);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(100);
    assertThat(held).as("still waiting before the deadline").isNotDone();
    clock.advance(Duration.ofMinutes(9));
    Thread.sleep(100);
    assertThat(held).isNotDone();
    clock.advance(Duration.ofMinutes(1));
    assertThat(held.get(5, TimeUnit.SECONDS)).as("the condition never held").isFalse();
  }

  @Test
  void changed_wakesTheWaiterToSeeItsConditionHold() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> {
      try {
        return waiter.until(done::get, waiter.in(Duration.ofMinutes(1)));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(100);
    done.set(true);
    waiter.changed();
    assertThat(held.get(5, TimeUnit.SECONDS)).isTrue();
  }
}
