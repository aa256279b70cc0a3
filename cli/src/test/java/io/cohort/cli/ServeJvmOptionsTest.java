package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort serve} takes the server's JVM options from {@code COHORT_JAVA_OPTS}, split on white
 * space as the launchers' shells split it (the e2e {@code ServeProcessTest} checks they reach the
 * running server's command line).
 */
class ServeJvmOptionsTest {
  @Test
  void unsetOrBlank_addsNothing() {
    assertThat(ServeCommand.jvmOptions(Map.of())).isEmpty();
    assertThat(ServeCommand.jvmOptions(Map.of("COHORT_JAVA_OPTS", "  \t\n"))).isEmpty();
  }

  @Test
  void optionsAreSplitOnAnyWhiteSpace() {
    assertThat(ServeCommand.jvmOptions(Map.of("COHORT_JAVA_OPTS", " -Xmx8g\t-XX:+HeapDumpOnOutOfMemoryError \n"
        + "-Xlog:gc:file=/var/log/cohort/gc.log ")))
        .containsExactly("-Xmx8g", "-XX:+HeapDumpOnOutOfMemoryError", "-Xlog:gc:file=/var/log/cohort/gc.log");
  }
}
