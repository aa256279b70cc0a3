package io.cohort.wire;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;

/**
 * Which kind of model a {@code cohort.v1} task type trains: the one definition the node, the CLI
 * and the simulator share, so that a new task type is classified in one place.
 */
public final class TaskKinds {
  private TaskKinds() {}

  /** Sequence classification and causal LM: a language model with LoRA adapters (not a tabular MLP). */
  public static boolean isLanguageModel(TaskType task) {
    return task == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION || task == TaskType.TASK_TYPE_CAUSAL_LM;
  }

  /** Whether the job trains a language model; see {@link #isLanguageModel(TaskType)}. */
  public static boolean isLanguageModel(JobSpec spec) {
    return isLanguageModel(spec.getTask());
  }
}
