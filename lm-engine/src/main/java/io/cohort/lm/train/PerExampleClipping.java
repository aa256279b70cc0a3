package io.cohort.lm.train;

import io.cohort.lm.model.Parameter;
import java.util.List;

/**
 * The DP-SGD aggregation step: clip each example's whole gradient (all trainable tensors together)
 * to L2 norm at most C, and sum the clipped gradients into each parameter's {@code grad()}.
 */
public final class PerExampleClipping {
  private PerExampleClipping() {
  }

  /** Each example's gradient norm over all parameters' per-example rows. */
  public static double[] norms(List<Parameter> params, int batch) {
    double[] sq = new double[batch];
    for (Parameter p : params) {
      float[] g = p.perExampleGrad();
      int n = p.size();
      for (int i = 0; i < batch; i++) {
        double s = 0;
        for (int k = i * n, end = k + n; k < end; k++) {
          s += (double) g[k] * g[k];
        }
        sq[i] += s;
      }
    }
    for (int i = 0; i < batch; i++) {
      sq[i] = Math.sqrt(sq[i]);
    }
    return sq;
  }

  /**
   * Scales every example's gradient by {@code min(1, C / norm)} in place (Opacus's factor, with its
   * 1e-6 guard) and returns the norms before clipping.
   */
  public static double[] clipInPlace(List<Parameter> params, int batch, double clipNorm) {
    double[] norms = norms(params, batch);
    for (Parameter p : params) {
      float[] g = p.perExampleGrad();
      int n = p.size();
      for (int i = 0; i < batch; i++) {
        float f = (float) Math.min(1.0, clipNorm / (norms[i] + 1e-6));
        for (int k = i * n, end = k + n; k < end; k++) {
          g[k] *= f;
        }
      }
    }
    return norms;
  }

  /** {@code grad = sum over examples of the per-example rows}. */
  public static void sumInto(List<Parameter> params, int batch) {
    for (Parameter p : params) {
      float[] g = p.perExampleGrad();
      float[] out = p.grad();
      int n = p.size();
      java.util.Arrays.fill(out, 0f);
      for (int i = 0; i < batch; i++) {
        int o = i * n;
        for (int k = 0; k < n; k++) {
          out[k] += g[o + k];
        }
      }
    }
  }
}
