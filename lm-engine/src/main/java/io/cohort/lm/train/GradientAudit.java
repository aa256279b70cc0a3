package io.cohort.lm.train;

import io.cohort.lm.model.Parameter;
import java.util.List;

/**
 * A white-box privacy audit's hook into each gradient step (the node's gradient canaries, issue
 * 20): {@link #beforeNoise} sees the clipped per-example sum under DP-SGD (the batch's gradient
 * without DP) and may add canary gradients to it; {@link #afterNoise} sees the same gradient once
 * the Gaussian noise is in (before the division by the expected batch size), to score them.
 */
public interface GradientAudit {
  void beforeNoise(List<Parameter> params);

  void afterNoise(List<Parameter> params);
}
