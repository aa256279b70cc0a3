package io.cohort.lm.train;

/**
 * How to train: epochs over the data, batch size (the expected size under Poisson sampling),
 * AdamW learning rate and weight decay, the seed of training randomness (data order, Poisson
 * sampling, dropout; never DP noise), and DP-SGD settings (null for non-private training).
 */
public record TrainOptions(int epochs, int batchSize, double learningRate, double weightDecay, long seed,
    DpOptions dp) {
  public TrainOptions {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + learningRate);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
  }

  /** DP-SGD: Poisson sampling at rate batchSize / records, noise multiplier sigma, clipping norm C. */
  public record DpOptions(double noiseMultiplier, double clipNorm) {
  }
}
