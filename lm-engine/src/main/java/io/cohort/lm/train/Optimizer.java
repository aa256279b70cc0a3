package io.cohort.lm.train;

import io.cohort.lm.model.Parameter;
import java.util.List;

/** Updates parameters in place from their {@code grad()} buffers. */
public interface Optimizer {
  void step(List<Parameter> params, double lr);

  /** Plain SGD. */
  static Optimizer sgd() {
    return (params, lr) -> {
      for (Parameter p : params) {
        float[] x = p.value();
        float[] g = p.grad();
        for (int i = 0; i < x.length; i++) {
          x[i] -= (float) lr * g[i];
        }
      }
    };
  }
}
