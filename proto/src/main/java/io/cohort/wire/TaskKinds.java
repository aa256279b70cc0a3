package io.cohort.wire;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;

/**
 * Which kind of model a {@code cohort.v1} task type trains: the one definition the node, the CLI
 * and the simulator share, so that a new task type is classified in one place.
 */
public final class TaskKinds {
  private TaskKinds() {}

  /** Sequence classification, causal LM and chat SFT: a language model with LoRA adapters (not a tabular MLP). */
  public static boolean isLanguageModel(TaskType task) {
    return task == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION || isNextToken(task);
  }

  /**
   * Causal LM and chat SFT: the model's own (tied) LM head predicts the next token, no task head is
   * trained, and the adapter is exported as PEFT's CAUSAL_LM. They differ in which tokens the loss counts.
   */
  public static boolean isNextToken(TaskType task) {
    return task == TaskType.TASK_TYPE_CAUSAL_LM || task == TaskType.TASK_TYPE_CHAT_SFT;
  }

  /** Whether the job trains a language model; see {@link #isLanguageModel(TaskType)}. */
  public static boolean isLanguageModel(JobSpec spec) {
    return isLanguageModel(spec.getTask());
  }
}
