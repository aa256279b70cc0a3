package io.cohort.cli;

import java.util.List;

/**
 * How a Cohort JVM trades peak speed for start-up (issue 23 #8). On two cores a JVM that starts,
 * does a little Java work and ends spends most of its CPU compiling: C1 only
 * ({@code -XX:TieredStopAtLevel=1}) cut the coordinator's CPU until it answers by about a third and
 * the CLI's by about a quarter (docs/benchmarks.md), but would slow the Java arithmetic of training (the
 * language-model engine) several-fold, so processes that train keep full tiered compilation.
 */
public enum JvmStart {
  /** Full tiered compilation (C1, then C2 for hot code): nodes, training tools, {@code cohort serve}. */
  FULL,
  /**
   * C1 only: the CLI, the partition tool and a simulation's coordinator, which spend their time
   * starting, waiting on sockets and moving small messages.
   */
  QUICK;

  /** The JVM options of this kind of start, serial GC first (the processes share the machine's cores). */
  public List<String> options() {
    return this == QUICK ? List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1") : List.of("-XX:+UseSerialGC");
  }
}
