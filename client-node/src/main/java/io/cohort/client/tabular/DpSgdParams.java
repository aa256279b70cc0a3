package io.cohort.client.tabular;

/**
 * Hyperparameters of one DP-SGD training call ({@link TabularDpSgd#train}).
 *
 * @param steps optimiser steps; each samples a Poisson batch; at least 1
 * @param samplingRate q: each training row joins a step's batch independently with this probability, in (0, 1]
 * @param noiseMultiplier sigma: the noise added to the clipped gradient sum has stddev sigma * C; >= 0
 *     (0 only in tests of the clipping path: it gives no privacy)
 * @param clipNorm C: each example's gradient is scaled to L2 norm at most C; > 0
 * @param learningRate step size; finite and > 0
 * @param optimizer SGD or Adam (both post-processing of the privatised gradient)
 */
public record DpSgdParams(long steps, double samplingRate, double noiseMultiplier, double clipNorm,
    double learningRate, Optimizer optimizer) {

  /** The update rule applied to the noisy mean gradient. */
  public enum Optimizer { SGD, ADAM }

  public DpSgdParams {
    if (steps < 1) {
      throw new IllegalArgumentException("steps is " + steps + "; expected at least 1");
    }
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("samplingRate is " + samplingRate + "; expected a value in (0, 1]");
    }
    if (!(noiseMultiplier >= 0) || !Double.isFinite(noiseMultiplier)) {
      throw new IllegalArgumentException("noiseMultiplier is " + noiseMultiplier + "; expected a finite value >= 0");
    }
    if (!(clipNorm > 0) || !Double.isFinite(clipNorm)) {
      throw new IllegalArgumentException("clipNorm is " + clipNorm + "; expected a finite value > 0");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate is " + learningRate + "; expected a finite value > 0");
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer is required (SGD or ADAM)");
    }
  }
}
