package io.cohort.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find what they run: the repository root ({@code cohort.home}, set by the
 * e2e pom to the parent of this module), the built programs, the example data, and the seed.
 */
final class E2eEnvironment {
  /** Seed of everything random in a run; override with {@code -Dcohort.e2e.seed=N} to vary or reproduce. */
  static final long DEFAULT_SEED = 20261128L;

  private E2eEnvironment() {}

  static Path home() {
    String prop = System.getProperty("cohort.home");
    Path home;
    if (prop != null && !prop.isBlank()) {
      home = Path.of(prop);
    } else {
      // Run from an IDE with the e2e module as working directory, or from the repository root.
      Path cwd = Path.of("").toAbsolutePath();
      home = Files.isDirectory(cwd.resolve("coordinator")) ? cwd : cwd.getParent();
    }
    return home.toAbsolutePath().normalize();
  }

  static Path coordinatorJar() {
    return requireBuilt(home().resolve("coordinator/target/quarkus-app/quarkus-run.jar"));
  }

  static Path nodeJar() {
    return requireBuilt(home().resolve("client-node/target/cohort-node.jar"));
  }

  static Path creditCsv() {
    Path csv = home().resolve("examples/credit/credit-g.csv");
    if (!Files.isRegularFile(csv)) {
      throw new IllegalStateException("example data " + csv + " is missing (cohort.home=" + home() + ")");
    }
    return csv;
  }

  static Path creditJob() {
    Path job = home().resolve("examples/credit/job.yaml");
    if (!Files.isRegularFile(job)) {
      throw new IllegalStateException("example job " + job + " is missing (cohort.home=" + home() + ")");
    }
    return job;
  }

  static long seed() {
    return Long.getLong("cohort.e2e.seed", DEFAULT_SEED);
  }

  /** Where logs of failed tests are copied (the pom sets it to target/e2e-logs), or null. */
  static Path failedLogsDir() {
    String p = System.getProperty("cohort.e2e.logs");
    return p == null || p.isBlank() ? null : Path.of(p);
  }

  /** The Java that runs the tests, so the programs run on the same JDK. */
  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static Path requireBuilt(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is not built. The e2e tests run the packaged programs:"
          + " run ./mvnw -B verify from the repository root (or ./mvnw -B install -DskipTests once, then"
          + " ./mvnw -B -pl e2e verify). cohort.home=" + home());
    }
    return jar;
  }
}
