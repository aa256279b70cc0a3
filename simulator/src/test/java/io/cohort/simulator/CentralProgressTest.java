package io.cohort.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The central baseline's progress comes from the newest epoch line `cohort-node central` wrote to its log. */
class CentralProgressTest {
  @Test
  void lastEpoch_readsTheNewestEpochLine_andNullWithoutOne(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("central.log");
    assertThat(Simulation.lastEpoch(log)).as("no log yet").isNull();
    Files.writeString(log, "some banner\nprogress: epoch 1/20\nprogress: epoch 2/20\n");
    assertThat(Simulation.lastEpoch(log)).containsExactly(2, 20);
    Files.writeString(log, "banner only\n");
    assertThat(Simulation.lastEpoch(log)).isNull();
  }
}
