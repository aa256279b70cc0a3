package io.cohort.cli;

/** A failure to report to the user as one line, with the process exit code to use. */
public final class CliException extends Exception {
  /** Exit codes as ints, for the many call sites that pass them to the constructor: see {@link ExitCode}. */
  public static final int FAILED = ExitCode.FAILED.code();
  public static final int USAGE = ExitCode.USAGE.code();
  public static final int UNREACHABLE = ExitCode.UNREACHABLE.code();
  public static final int UNAUTHORIZED = ExitCode.UNAUTHORIZED.code();
  public static final int FORBIDDEN = ExitCode.FORBIDDEN.code();
  public static final int INTEGRITY = ExitCode.INTEGRITY.code();

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
