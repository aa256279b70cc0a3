package io.cohort.cli;

/**
 * Exit codes of {@code cohort} (documented in docs/configuration.md and docs/admin-api.md): keep
 * them stable, scripts depend on them. {@code cohort-node} uses the same numbers, names and
 * meanings ({@code io.cohort.client.cli.ExitCode}); the two enums live apart because the node and
 * the coordinator side share no module that is about programs, and the simulator, which depends
 * on both CLIs, has a test that keeps them in step.
 */
public enum ExitCode {
  OK(0),
  /** The operation failed, e.g. the simulated job failed or the server answered 5xx. */
  FAILED(1),
  /** Bad usage or input: an invalid job file, an unknown job or node, a job in the wrong state. */
  USAGE(2),
  /** The coordinator (or, with --local/--db-url, the database) could not be reached. */
  UNREACHABLE(3),
  /** No token, or the token was refused (401). */
  UNAUTHORIZED(4),
  /** The token's role does not allow this (403). */
  FORBIDDEN(5),
  /** An integrity check failed: a broken audit chain, an export that does not match its manifest. */
  INTEGRITY(6);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  /** The process exit status. */
  public int code() {
    return code;
  }
}
