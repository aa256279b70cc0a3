package io.cohort.coordinator.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 finding #4: a node's 30 s long poll outlived the coordinator's event loops on SIGTERM
 * and its late answer printed a RejectedExecutionException. Closing the registry ends every poll
 * at once, so shutdown can wait for them while answers can still be sent.
 */
class NodeRegistryCloseTest {
  @Test
  void close_endsALongPollWithinASlice_andRefusesNewOnes() throws Exception {
    NodeRegistry registry = new NodeRegistry(Clock.systemUTC(), Duration.ofSeconds(1));
    NodeSession s = registry.register("n1", "test", List.of("credit"));
    CompletableFuture<Throwable> poll = CompletableFuture.supplyAsync(() -> {
      try {
        registry.poll(s, Duration.ofSeconds(30));
        return null;
      } catch (Throwable t) {
        return t;
      }
    });
    Thread.sleep(200); // the poll is waiting
    long start = System.nanoTime();
    registry.close();
    assertThat(registry.awaitNoPolls(Duration.ofSeconds(2))).isTrue();
    assertThat(poll.get(2, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class)
        .hasMessageContaining("shutting down");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThatThrownBy(() -> registry.poll(s, Duration.ofSeconds(30))).isInstanceOf(InterruptedException.class);
  }

  @Test
  void poll_stillDeliversTasksAndTimesOut() throws Exception {
    NodeRegistry registry = new NodeRegistry(Clock.systemUTC(), Duration.ofSeconds(1));
    NodeSession s = registry.register("n1", "test", List.of("credit"));
    long start = System.nanoTime();
    assertThat(registry.poll(s, Duration.ofMillis(350))).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(340));
    registry.enqueue(s, io.cohort.proto.v1.Task.newBuilder().setTaskId("t1").build());
    assertThat(registry.poll(s, Duration.ofSeconds(5))).hasValueSatisfying(t -> assertThat(t.getTaskId()).isEqualTo("t1"));
  }

  @Test
  void poll_withAZeroWait_takesATaskAlreadyQueued() throws Exception {
    // A zero wait is a non-blocking take (the round loop's fake nodes poll this way); it must not
    // skip the queue because the deadline has already passed.
    NodeRegistry registry = new NodeRegistry(Clock.systemUTC(), Duration.ofSeconds(1));
    NodeSession s = registry.register("n1", "test", List.of("credit"));
    assertThat(registry.poll(s, Duration.ZERO)).isEmpty();
    registry.enqueue(s, io.cohort.proto.v1.Task.newBuilder().setTaskId("t0").build());
    assertThat(registry.poll(s, Duration.ZERO)).hasValueSatisfying(t -> assertThat(t.getTaskId()).isEqualTo("t0"));
  }
}
