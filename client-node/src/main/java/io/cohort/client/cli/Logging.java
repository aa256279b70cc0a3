package io.cohort.client.cli;

/** One-line log records on stderr: time, level, logger, message. */
final class Logging {
  private Logging() {}

  static void configure() {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format",
          "%1$tH:%1$tM:%1$tS.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
    }
  }
}
