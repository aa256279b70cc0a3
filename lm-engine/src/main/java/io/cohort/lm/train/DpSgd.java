package io.cohort.lm.train;

import io.cohort.lm.model.Parameter;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import java.util.List;

/**
 * DP-SGD's private gradient (Abadi et al. 2016, as Opacus computes it for Poisson sampling):
 * per-example gradients clipped to norm C, summed, plus Gaussian noise N(0, (sigma C)^2) on every
 * coordinate, divided by the expected batch size q N. The noise comes from {@link GaussianNoise}
 * (fresh SecureRandom-keyed AES-CTR stream per call), never from the seeded training randomness.
 */
public final class DpSgd {
  private final double noiseMultiplier;
  private final double clipNorm;
  private final GaussianNoise noise;

  public DpSgd(double noiseMultiplier, double clipNorm, GaussianNoise noise) {
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException("noise multiplier must be a finite number >= 0, got " + noiseMultiplier);
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("clipping norm must be a finite number > 0, got " + clipNorm);
    }
    this.noiseMultiplier = noiseMultiplier;
    this.clipNorm = clipNorm;
    this.noise = noise;
  }

  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  public double clipNorm() {
    return clipNorm;
  }

  /**
   * Turns the per-example gradients of a batch of {@code batch} examples (possibly 0) into the
   * private gradient in each parameter's {@code grad()}.
   */
  public void privatize(List<Parameter> params, int batch, double expectedBatchSize) {
    privatize(params, batch, expectedBatchSize, null);
  }

  /**
   * As {@link #privatize(List, int, double)}, with a privacy audit ({@code audit}, may be null) that
   * adds its canaries to the clipped sum before the noise and scores them after it.
   */
  public void privatize(List<Parameter> params, int batch, double expectedBatchSize, GradientAudit audit) {
    if (batch > 0) {
      PerExampleClipping.clipInPlace(params, batch, clipNorm);
      PerExampleClipping.sumInto(params, batch);
    } else {
      params.forEach(Parameter::zeroGrad);
    }
    if (audit != null) {
      audit.beforeNoise(params);
    }
    for (Parameter p : params) {
      try {
        noise.addNoise(p.grad(), noiseMultiplier * clipNorm);
      } catch (DpParameterException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }
    if (audit != null) {
      audit.afterNoise(params);
    }
    float inv = (float) (1.0 / expectedBatchSize);
    for (Parameter p : params) {
      float[] g = p.grad();
      for (int i = 0; i < g.length; i++) {
        g[i] *= inv;
      }
    }
  }
}
