package io.cohort.client.tabular;

/**
 * A data file that cannot be used as given. The message names the file, the 1-based line
 * (where one applies) and the column (where one applies), and says what would be valid, e.g.
 * {@code credit.csv line 17, column 'age': 'abc' is not a number}.
 *
 * <p>Checked, because bad data is an operator's problem to fix, not a bug: the node should
 * report it and refuse the job rather than crash.
 */
public final class DatasetException extends Exception {
  private final String file;
  private final long line;
  private final String column;

  private DatasetException(String file, long line, String column, String problem, Throwable cause) {
    super(location(file, line, column) + ": " + problem, cause);
    this.file = file;
    this.line = line;
    this.column = column;
  }

  /** A problem with the file as a whole, e.g. an empty file or a missing column. */
  public static DatasetException inFile(String file, String problem) {
    return new DatasetException(file, 0, null, problem, null);
  }

  /** A problem with the file as a whole that an I/O error caused. */
  public static DatasetException inFile(String file, String problem, Throwable cause) {
    return new DatasetException(file, 0, null, problem, cause);
  }

  /** A problem with a whole line, e.g. the wrong number of fields. */
  public static DatasetException atLine(String file, long line, String problem) {
    return new DatasetException(file, line, null, problem, null);
  }

  /** A problem with one value. */
  public static DatasetException atValue(String file, long line, String column, String problem) {
    return new DatasetException(file, line, column, problem, null);
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
