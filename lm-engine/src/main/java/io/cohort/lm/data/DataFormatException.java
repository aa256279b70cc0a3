package io.cohort.lm.data;

import java.io.IOException;
import java.nio.file.Path;

/** A dataset file that cannot be used; the message names the file, the line and the problem. */
public final class DataFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public DataFormatException(Path file, int line, String problem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem);
  }

  public DataFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
