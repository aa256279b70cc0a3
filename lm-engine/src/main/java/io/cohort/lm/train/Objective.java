package io.cohort.lm.train;

import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;

/** A training objective on top of the model's final hidden states. */
public interface Objective {
  /**
   * The batch's loss from the final hidden states [batch * seqLen, width]. When {@code dHidden} is
   * not null, writes into it the gradient of the loss and accumulates the head's gradients. The
   * loss is the mean over examples (classification) or real tokens (LM); under
   * {@code pass.perExample()} gradients are those of each example's own loss, unaveraged over the batch.
   */
  double loss(float[] hidden, Batch batch, Pass pass, float[] dHidden);

  /** The task's own trainable parameters (a classification head), possibly none. */
  List<Parameter> parameters();
}
