package io.cohort.format.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file that cannot be used: corrupt, truncated, of an unsupported kind, or not matching
 * its configuration. The message names the file and the problem and is meant for the user.
 */
public final class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public CheckpointException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
