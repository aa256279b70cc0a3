package io.cohort.coordinator.cli;

/** A failure to report to the user as one line, with the process exit code to use. */
final class CliException extends Exception {
  /** Exit codes (documented in docs/admin-api.md): keep them stable, scripts depend on them. */
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;
  static final int UNAUTHORIZED = 4;
  static final int FORBIDDEN = 5;
  static final int INTEGRITY = 6;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
