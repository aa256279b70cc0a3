package io.cohort.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One of the federation's programs, run as a child process whose stdout and stderr go to a log
 * file. It can be started again after it stopped or was killed; every start appends to the same
 * log, after a marker line.
 */
abstract class ManagedProcess {
  /** Every process any test started and has not seen die; killed if the test JVM shuts down early (Ctrl-C, timeout). */
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
        "e2e-process-reaper"));
  }

  private final String name;
  private final Path log;
  private Process process;
  private int starts;

  ManagedProcess(String name, Path log) {
    this.name = name;
    this.log = log;
  }

  /** The command line of one start. */
  protected abstract List<String> command();

  /** Extra environment of the process. */
  protected Map<String, String> environment() {
    return Map.of();
  }

  final String name() {
    return name;
  }

  final Path log() {
    return log;
  }

  /** Starts the program; it must not be running. */
  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
    }
    starts++;
    List<String> cmd = command();
    Files.writeString(log, String.format("%n==== e2e %s: start #%d of %s: %s%n", LocalTime.now(), starts, name,
            String.join(" ", cmd)), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(environment());
    Process p = pb.start();
    RUNNING.add(p);
    p.onExit().thenAccept(RUNNING::remove);
    process = p;
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** SIGKILL (on Linux) and wait until the process is gone: no shutdown hooks, no goodbyes. */
  void kill() throws InterruptedException {
    kill("the test kills it");
  }

  /** Kills the process if it still runs, noting {@code why} in its log. */
  void kill(String why) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null || !p.isAlive()) {
      return;
    }
    note(why + ": SIGKILL " + name + " (pid " + p.pid() + ")");
    p.destroyForcibly();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + p.pid() + ") did not die within 30 s of SIGKILL");
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after {@code graceSeconds}. Never throws. */
  void stop(int graceSeconds) {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null || !p.isAlive()) {
      return;
    }
    try {
      p.destroy();
      if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Exit code of the last start, or null while it runs or before it ever started. */
  synchronized Integer exitCode() {
    return process == null || process.isAlive() ? null : process.exitValue();
  }

  /** Writes a line of the test's own into this process's log, to line events up when reading it. */
  void note(String line) {
    try {
      Files.writeString(log, String.format("==== e2e %s: %s%n", LocalTime.now(), line), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // only a note
    }
  }

  /** The last {@code lines} lines of the log. */
  String logTail(int lines) {
    if (!Files.exists(log)) {
      return "(no log at " + log + ")";
    }
    Deque<String> tail = new ArrayDeque<>();
    try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
      all.forEach(l -> {
        tail.addLast(l);
        if (tail.size() > lines) {
          tail.removeFirst();
        }
      });
    } catch (IOException | java.io.UncheckedIOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
    return String.join(System.lineSeparator(), tail);
  }

  @Override
  public String toString() {
    return name + (isAlive() ? " (pid " + pid() + ")" : exitCode() == null ? " (never started)" : " (exited " + exitCode() + ")");
  }
}
