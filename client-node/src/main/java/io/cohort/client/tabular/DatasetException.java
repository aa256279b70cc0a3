package io.cohort.client.tabular;

/**
 * A data file that cannot be used as given. The message names the file, the 1-based line
 * (where one applies) and the column (where one applies), and says what would be valid, e.g.
 * {@code credit.csv line 17, column 'age': 'abc' is not a number}.
 *
 * <p>Two renderings: {@link #getMessage()} is the local one, for the node's operator, and may
 * quote the offending value and name the local file; {@link #publicMessage(String)} is the one
 * that may leave the node (a decline reason, an abandoned task): it names the dataset as the
 * caller gives it, the line, the column and the kind of problem, never a value of the file and
 * never a local path (issue 22 finding #11).
 *
 * <p>Checked, because bad data is an operator's problem to fix, not a bug: the node should
 * report it and refuse the job rather than crash.
 */
public final class DatasetException extends Exception {
  private final String file;
  private final long line;
  private final String column;
  private final String publicProblem;

  private DatasetException(
      String file, long line, String column, String problem, String publicProblem, Throwable cause) {
    super(location(file, line, column) + ": " + problem, cause);
    this.file = file;
    this.line = line;
    this.column = column;
    this.publicProblem = publicProblem;
  }

  /**
   * A problem with the file as a whole, e.g. an empty file. {@code problem} must not quote
   * file content: it is also the public rendering.
   */
  public static DatasetException inFile(String file, String problem) {
    return new DatasetException(file, 0, null, problem, problem, null);
  }

  /** A problem with the file as a whole, with a public rendering that quotes no content. */
  public static DatasetException inFile(String file, String problem, String publicProblem) {
    return new DatasetException(file, 0, null, problem, publicProblem, null);
  }

  /** A problem with the file as a whole that an I/O error caused. */
  public static DatasetException inFile(
      String file, String problem, String publicProblem, Throwable cause) {
    return new DatasetException(file, 0, null, problem, publicProblem, cause);
  }

  /** A problem with a whole line, e.g. the wrong number of fields; quotes no content. */
  public static DatasetException atLine(String file, long line, String problem) {
    return new DatasetException(file, line, null, problem, problem, null);
  }

  /** A problem with one value; {@code problem} does not quote the value. */
  public static DatasetException atValue(String file, long line, String column, String problem) {
    return new DatasetException(file, line, column, problem, problem, null);
  }

  /**
   * A problem with one value: {@code problem} may quote it for the local operator,
   * {@code publicProblem} says only what kind of problem it is.
   */
  public static DatasetException atValue(
      String file, long line, String column, String problem, String publicProblem) {
    return new DatasetException(file, line, column, problem, publicProblem, null);
  }

  /** The file as the caller named it. */
  public String file() {
    return file;
  }

  /** The 1-based line the problem is on, or 0 when it concerns the whole file. */
  public long line() {
    return line;
  }

  /** The column the problem is in, or null when it concerns a whole line or the file. */
  public String column() {
    return column;
  }

  /** The kind of problem, without any value of the file and without the file's path. */
  public String publicProblem() {
    return publicProblem;
  }

  /**
   * The coordinator-safe rendering: {@code dataset} (e.g. "dataset 'credit'") in place of the
   * file, then line, column and the kind of problem.
   */
  public String publicMessage(String dataset) {
    return location(dataset, line, column) + ": " + publicProblem;
  }

  private static String location(String file, long line, String column) {
    StringBuilder s = new StringBuilder(file);
    if (line > 0) {
      s.append(" line ").append(line);
    }
    if (column != null) {
      s.append(line > 0 ? ", " : " ").append("column '").append(column).append('\'');
    }
    return s.toString();
  }
}
