package io.cohort.client.cli;

/**
 * Exit codes of {@code cohort-node}: the same numbers, names and meanings as the {@code cohort}
 * CLI's {@code io.cohort.cli.ExitCode} (docs/configuration.md), so that scripts read both programs
 * alike. The two enums live apart because the node and the coordinator side share no module that
 * is about programs (only proto, crypto and model-format); the simulator, which depends on both
 * CLIs, has a test that keeps them in step.
 */
public enum ExitCode {
  OK(0),
  /** The operation failed, e.g. a privacy ledger does not verify. */
  FAILED(1),
  /** Bad usage or input: an unknown option, a bad node.yaml, a missing file. */
  USAGE(2),
  /** The coordinator could not be reached. */
  UNREACHABLE(3),
  /** Not authenticated. */
  UNAUTHORIZED(4),
  /** Not allowed. */
  FORBIDDEN(5),
  /** An integrity check failed. */
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
