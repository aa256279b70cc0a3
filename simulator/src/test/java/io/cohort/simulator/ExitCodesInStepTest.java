package io.cohort.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.cli.ExitCode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort} and {@code cohort-node} keep one table of exit codes in two enums (no module both
 * depend on is about programs); the simulator runs both programs and sees both enums, so it checks
 * that they say the same: same names, same numbers, same order. (The node's enum has the same simple
 * name, hence its qualified name below.)
 */
class ExitCodesInStepTest {
  @Test
  void cohortAndCohortNode_shareEveryExitCode() {
    Map<String, Integer> node = codes(io.cohort.client.cli.ExitCode.values(), io.cohort.client.cli.ExitCode::code);
    assertThat(node).isEqualTo(codes(ExitCode.values(), ExitCode::code))
        .containsEntry("OK", 0).containsEntry("FAILED", 1).containsEntry("USAGE", 2);
  }

  private static <E extends Enum<E>> Map<String, Integer> codes(E[] values, ToIntFunction<E> code) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (E v : values) {
      m.put(v.name(), code.applyAsInt(v));
    }
    return m;
  }
}
