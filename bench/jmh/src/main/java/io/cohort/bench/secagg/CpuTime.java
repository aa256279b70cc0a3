package io.cohort.bench.secagg;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmark thread's CPU time per operation, printed after each iteration beside JMH's wall
 * time. On a shared machine (other jobs holding the cores) wall time grows with the load while CPU
 * time mostly does not, so both are recorded. Every benchmark here is single-threaded.
 */
@State(Scope.Thread)
public class CpuTime {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private long start;
  private long total;
  private long ops;

  @Setup(Level.Iteration)
  public void reset() {
    total = 0;
    ops = 0;
  }

  @Setup(Level.Invocation)
  public void begin() {
    start = THREADS.getCurrentThreadCpuTime();
  }

  @TearDown(Level.Invocation)
  public void end() {
    total += THREADS.getCurrentThreadCpuTime() - start;
    ops++;
  }

  @TearDown(Level.Iteration)
  public void report() {
    System.out.printf(" [cpu %.3f ms/op over %d ops]", total / 1e6 / Math.max(1, ops), ops);
  }
}
