package io.cohort.client.job.text;

import io.cohort.client.tabular.GradientCanaries;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.train.GradientAudit;
import java.util.List;

/**
 * The white-box gradient canaries of a text (LoRA) job's privacy audit ({@code privacy.audit}),
 * plugged into the engine's training steps: the same Dirac canaries as the tabular audit
 * ({@link GradientCanaries}: norm C on one trainable coordinate each, secret coins, Poisson-sampled
 * like a record), on the coordinates of the job's trainable parameters taken in model order
 * (adapters, then the task's head) as one vector. Under DP-SGD they join the clipped
 * per-conversation (or per-record) sum before the noise and are scored after it; without DP they
 * join the batch's mean gradient with a record's share (1 / batch).
 */
public final class TextAudit implements GradientAudit {
  private final GradientCanaries canaries;
  private final double samplingRate;
  private float[] flat = new float[0];

  /** {@code samplingRate}: the chance an included canary joins a step (q under DP; batch / records without). */
  public TextAudit(GradientCanaries canaries, double samplingRate) {
    this.canaries = canaries;
    this.samplingRate = samplingRate;
  }

  /** The number of trainable coordinates of {@code params} (the most canaries a job can place). */
  public static int coordinates(List<Parameter> params) {
    long n = 0;
    for (Parameter p : params) {
      n += p.grad().length;
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  @Override
  public void beforeNoise(List<Parameter> params) {
    gather(params);
    canaries.beforeNoise(flat, samplingRate);
    int o = 0;
    for (Parameter p : params) {
      float[] g = p.grad();
      System.arraycopy(flat, o, g, 0, g.length);
      o += g.length;
    }
  }

  @Override
  public void afterNoise(List<Parameter> params) {
    gather(params);
    canaries.afterNoise(flat);
  }

  private void gather(List<Parameter> params) {
    int n = coordinates(params);
    if (flat.length != n) {
      flat = new float[n];
    }
    int o = 0;
    for (Parameter p : params) {
      float[] g = p.grad();
      System.arraycopy(g, 0, flat, o, g.length);
      o += g.length;
    }
  }
}
