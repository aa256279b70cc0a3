package io.cohort.lm.train;

/**
 * What a training run did. Under DP-SGD, {@code (q, noiseMultiplier, steps)} is exactly the plan
 * the accountant needs ({@code io.cohort.crypto.dp.PrivacyPlan.of(q, sigma, steps)}).
 */
public record TrainReport(long steps, long examples, long tokens, double lastEpochLoss, double seconds,
    boolean dp, double q, double noiseMultiplier, double clipNorm) {
  public double tokensPerSecond() {
    return seconds > 0 ? tokens / seconds : 0;
  }
}
