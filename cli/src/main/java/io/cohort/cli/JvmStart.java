package io.cohort.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a Cohort JVM trades peak speed for start-up (issue 23 #8). On two cores a JVM that starts,
 * does a little Java work and ends spends most of its CPU compiling: C1 only
 * ({@code -XX:TieredStopAtLevel=1}) cut the coordinator's CPU until it answers by 30–40 % and the
 * CLI's by 40 % (docs/benchmarks.md), but would slow the Java compute of training (the language-model
 * engine) several-fold, so processes that train keep full tiered compilation.
 */
public enum JvmStart {
  /** Full tiered compilation (C1, then C2 for hot code): nodes, training tools, {@code cohort serve}. */
  FULL,
  /**
   * C1 only: the CLI, the partition tool and a simulation's coordinator, which spend their time
   * starting, waiting on sockets and moving small messages.
   */
  QUICK;

  /** The JVM options of this kind of start for {@code jar}, serial GC first (the processes share two cores). */
  public List<String> options(Path jar) {
    List<String> opts = new ArrayList<>(List.of("-XX:+UseSerialGC"));
    if (this == QUICK) {
      opts.add("-XX:TieredStopAtLevel=1");
    }
    opts.addAll(classDataArchive(jar));
    return opts;
  }

  /**
   * The options that map {@code jar}'s class-data archive ({@code NAME.jsa} beside {@code NAME.jar},
   * written at package time) when there is one no older than the jar; none otherwise. A stale or
   * foreign archive (another JDK) is refused by the JVM itself, which then loads classes as usual;
   * its warning about that is switched off so that it cannot reach a command's output.
   */
  static List<String> classDataArchive(Path jar) {
    String name = jar.getFileName().toString();
    Path archive = jar.resolveSibling(name.replaceFirst("\\.jar$", "") + ".jsa");
    try {
      if (!Files.isRegularFile(archive)
          || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) < 0) {
        return List.of();
      }
    } catch (IOException e) {
      return List.of();
    }
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
  }
}
