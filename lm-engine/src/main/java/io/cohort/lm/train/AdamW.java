package io.cohort.lm.train;

import io.cohort.lm.model.Parameter;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** PyTorch's AdamW (decoupled weight decay; defaults betas (0.9, 0.999), eps 1e-8, weight decay 0.01). */
public final class AdamW implements Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Map<Parameter, float[][]> moments = new IdentityHashMap<>();
  private long step;

  public AdamW(double weightDecay) {
    this(0.9, 0.999, 1e-8, weightDecay);
  }

  public AdamW(double beta1, double beta2, double eps, double weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  @Override
  public void step(List<Parameter> params, double lr) {
    step++;
    double c1 = 1 - Math.pow(beta1, step);
    double c2 = 1 - Math.pow(beta2, step);
    float decay = (float) (1 - lr * weightDecay);
    for (Parameter p : params) {
      float[][] mv = moments.computeIfAbsent(p, k -> new float[][] {new float[k.size()], new float[k.size()]});
      float[] m = mv[0];
      float[] v = mv[1];
      float[] x = p.value();
      float[] g = p.grad();
      float b1 = (float) beta1;
      float b2 = (float) beta2;
      float stepSize = (float) (lr / c1);
      float sqrtC2 = (float) Math.sqrt(c2);
      float e = (float) eps;
      for (int i = 0; i < x.length; i++) {
        x[i] *= decay;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        x[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / sqrtC2 + e);
      }
    }
  }
}
