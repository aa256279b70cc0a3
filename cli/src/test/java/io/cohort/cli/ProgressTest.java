package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress lines: elapsed time, and time left from the mean time per finished unit. */
class ProgressTest {
  @Test
  void lineEstimatesTheTimeLeft_fromTheMeanTimePerUnit() {
    assertThat(Progress.line("federated job", "round", 3, 10, 66_000))
        .isEqualTo("progress: federated job round 3/10 done, 1m06s elapsed, about 2m34s left");
    assertThat(Progress.line("central baseline", "epoch", 30, 30, 305_000))
        .isEqualTo("progress: central baseline epoch 30/30 done, 5m05s elapsed");
    assertThat(Progress.line("x", "epoch", 0, 30, 4_000)).isEqualTo("progress: x epoch 0/30 done, 4s elapsed");
  }

  @Test
  void durations_readAsSecondsMinutesOrHours() {
    assertThat(Progress.duration(499)).isEqualTo("0s");
    assertThat(Progress.duration(59_400)).isEqualTo("59s");
    assertThat(Progress.duration(60_000)).isEqualTo("1m00s");
    assertThat(Progress.duration(3_725_000)).isEqualTo("1h02m");
  }

  @Test
  void stepAndRunning_writeWholeLines_withTheClocksElapsedTime() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong clock = new AtomicLong(1_000);
    Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), clock::get);
    long start = p.now();
    clock.set(21_000);
    p.running("central baseline", start);
    p.step("central baseline", "epoch", 4, 8, start);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("progress: central baseline running, 20s elapsed\n"
        + "progress: central baseline epoch 4/8 done, 20s elapsed, about 20s left\n");
  }
}
