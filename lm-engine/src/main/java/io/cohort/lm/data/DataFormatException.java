package io.cohort.lm.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A dataset file that cannot be used; the message names the file, the line and the problem.
 *
 * <p>{@link #publicProblem()} is the kind of problem without the local path and without anything
 * the file held, for text that leaves the node (issue 22 finding #11): by convention the part of a
 * problem after {@code ", got "} and after the first {@code ": "} of an I/O problem describe the
 * content or the local system, so they are cut unless a public text is given explicitly.
 */
public final class DataFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final String publicProblem;

  public DataFormatException(Path file, int line, String problem) {
    this(file, line, problem, cut(problem, ", got "));
  }

  /** A problem whose local text may quote content; {@code publicProblem} must not. */
  public DataFormatException(Path file, int line, String problem, String publicProblem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    this.line = line;
    this.publicProblem = publicProblem;
  }

  public DataFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.line = 0;
    this.publicProblem = cut(problem, ": ");
  }

  /** The 1-based line of the problem, or 0 when it concerns the whole file. */
  public int line() {
    return line;
  }

  /** The kind of problem: no local path, no value of the file. */
  public String publicProblem() {
    return publicProblem;
  }

  /** The coordinator-safe rendering, naming the file as {@code dataset} (e.g. "dataset 'notes'"). */
  public String publicMessage(String dataset) {
    return dataset + (line > 0 ? " line " + line : "") + ": " + publicProblem;
  }

  private static String cut(String problem, String marker) {
    int at = problem.indexOf(marker);
    return at < 0 ? problem : problem.substring(0, at);
  }
}
