package io.cohort.coordinator.cli;

/** A failure to report to the user as one line, with the process exit code to use. */
final class CliException extends Exception {
  /** Exit codes: 1 operation failed, 2 usage or input error, 3 coordinator unreachable, 4 not authorised. */
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;
  static final int UNAUTHORIZED = 4;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
