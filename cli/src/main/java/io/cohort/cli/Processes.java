package io.cohort.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts Cohort's programs from a checkout ({@code cohort.home}): the coordinator's Quarkus
 * application and the node's jar, with the same Java that runs this process.
 */
public final class Processes {
  private Processes() {}

  public static Path coordinatorJar(Path home) {
    return home.resolve("coordinator/target/quarkus-app/quarkus-run.jar");
  }

  public static Path nodeJar(Path home) {
    return home.resolve("client-node/target/cohort-node.jar");
  }

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** The coordinator with the given {@code key=value} settings as system properties, fully compiled (a server). */
  public static ProcessBuilder coordinator(Path home, List<String> properties) throws IOException {
    return coordinator(home, properties, JvmStart.FULL);
  }

  /** The coordinator with the given {@code key=value} settings as system properties, started as {@code start} says. */
  public static ProcessBuilder coordinator(Path home, List<String> properties, JvmStart start) throws IOException {
    return coordinator(home, properties, start, List.of());
  }

  /**
   * As {@link #coordinator(Path, List, JvmStart)}, with the operator's own JVM options (heap size, GC
   * logging, ...) after {@code start}'s, so that they win, and before the settings, so that an
   * explicit setting wins over a {@code -D} among them.
   */
  public static ProcessBuilder coordinator(Path home, List<String> properties, JvmStart start, List<String> jvmOptions)
      throws IOException {
    Path jar = requireBuilt(coordinatorJar(home));
    List<String> cmd = new ArrayList<>(List.of(java()));
    cmd.addAll(start.options());
    cmd.addAll(jvmOptions);
    for (String p : properties) {
      cmd.add("-D" + p);
    }
    cmd.addAll(List.of("-jar", jar.toString()));
    return new ProcessBuilder(cmd);
  }

  /**
   * A node program ({@code cohort-node ARGS}) fully compiled (it may train), one ND4J thread so that
   * nodes share the cores fairly.
   */
  public static ProcessBuilder node(Path home, List<String> args) throws IOException {
    return node(home, args, JvmStart.FULL);
  }

  /** A node program ({@code cohort-node ARGS}) started as {@code start} says, one ND4J thread. */
  public static ProcessBuilder node(Path home, List<String> args, JvmStart start) throws IOException {
    Path jar = requireBuilt(nodeJar(home));
    List<String> cmd = new ArrayList<>(List.of(java()));
    cmd.addAll(start.options());
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("OMP_NUM_THREADS", "1");
    OPENBLAS_CORETYPE.ifPresent(t -> pb.environment().put("OPENBLAS_CORETYPE", t));
    return pb;
  }

  /**
   * OpenBLAS 0.3.19 (ND4J's, the engine's) does not recognise recent x86 cores and falls back to SSE
   * kernels, and machine images may force older ones ({@code OPENBLAS_CORETYPE=Haswell} halves FP32
   * products on an AVX-512 CPU): pick the kernels from the CPU flags whatever the environment says,
   * as bin/cohort-node does; {@code COHORT_OPENBLAS_CORETYPE} forces a choice.
   */
  private static final Optional<String> OPENBLAS_CORETYPE = openBlasCoreType();

  private static Optional<String> openBlasCoreType() {
    String forced = System.getenv("COHORT_OPENBLAS_CORETYPE");
    if (forced != null && !forced.isBlank()) {
      return Optional.of(forced.strip());
    }
    try {
      String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
          .findFirst().orElse("");
      List<String> f = List.of(flags.split("\\s+"));
      return f.contains("avx512f") ? Optional.of("SKYLAKEX") : f.contains("avx2") ? Optional.of("HASWELL")
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Path requireBuilt(Path jar) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(jar + " is not built; run ./mvnw install -DskipTests (bin/cohort does this on first use)");
    }
    return jar;
  }

  /** A free TCP port on loopback, as the OS hands it out. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /**
   * Asks every process to stop (SIGTERM) at once, then waits for each, killing any still running
   * ten seconds after the request: they shut down side by side, not one after another.
   */
  public static void stopAll(List<Process> processes) {
    processes.forEach(Process::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Process p : processes) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Asks a process to stop (SIGTERM), then kills it after ten seconds. */
  public static void stop(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
