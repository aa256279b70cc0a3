package io.cohort.client.cli;

/**
 * A node command's failure, reported as one line ({@code cohort-node: message}) on the command
 * line's error writer with its exit code, never a stack trace (see {@link NodeMain#commandLine}).
 */
final class CommandFailure extends Exception {
  private final ExitCode exitCode;

  CommandFailure(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  ExitCode exitCode() {
    return exitCode;
  }
}
