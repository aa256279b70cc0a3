package io.cohort.format.checkpoint;

/**
 * A {@link CheckpointException} from a place that cannot throw checked exceptions (a tensor read
 * through {@link LlamaCheckpoint#tensors()}'s map); its message is the cause's, file and problem.
 */
public final class UncheckedCheckpointException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UncheckedCheckpointException(CheckpointException cause) {
    super(cause.getMessage(), cause);
  }

  @Override
  public synchronized CheckpointException getCause() {
    return (CheckpointException) super.getCause();
  }
}
