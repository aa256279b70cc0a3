package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void ceilingDoublesUpToTheMaximum_andResets() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
    long[] ceilings = new long[6];
    for (int i = 0; i < ceilings.length; i++) {
      ceilings[i] = b.ceilingMillis();
      Duration wait = b.next();
      assertThat(wait.toMillis()).isBetween(ceilings[i] / 2, ceilings[i]);
    }
    assertThat(ceilings).containsExactly(100, 200, 400, 800, 1000, 1000);
    b.reset();
    assertThat(b.ceilingMillis()).isEqualTo(100);
  }
}
