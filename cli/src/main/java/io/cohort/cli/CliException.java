package io.cohort.cli;

/** A failure to report to the user as one line, with the process exit code to use. */
public final class CliException extends Exception {
  /** Exit codes (documented in docs/admin-api.md): keep them stable, scripts depend on them. */
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int UNREACHABLE = 3;
  public static final int UNAUTHORIZED = 4;
  public static final int FORBIDDEN = 5;
  public static final int INTEGRITY = 6;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
