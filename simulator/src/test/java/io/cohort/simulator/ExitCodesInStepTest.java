package io.cohort.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort} and {@code cohort-node} keep one table of exit codes in two enums (no module both
 * depend on is about programs); the simulator runs both programs and sees both enums, so it checks
 * that they say the same: same names, same numbers, same order.
 */
class ExitCodesInStepTest {
  @Test
  void cohortAndCohortNode_shareEveryExitCode() {
    assertThat(codes(io.cohort.client.cli.ExitCode.values())).isEqualTo(codes(io.cohort.cli.ExitCode.values()))
        .containsEntry("OK", 0).containsEntry("USAGE", 2);
  }

  private static Map<String, Integer> codes(Enum<?>[] values) {
    Map<String, Integer> m = new LinkedHashMap<>();
    Arrays.stream(values).forEach(v -> m.put(v.name(), code(v)));
    return m;
  }

  private static int code(Enum<?> v) {
    return v instanceof io.cohort.cli.ExitCode c ? c.code() : ((io.cohort.client.cli.ExitCode) v).code();
  }
}
