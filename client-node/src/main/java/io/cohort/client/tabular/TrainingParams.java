package io.cohort.client.tabular;

/**
 * Hyperparameters of one local training call of {@link MlpClassifier#train}.
 *
 * @param epochs passes over the node's training rows; at least 1
 * @param batchSize rows per Adam step; at least 1 (the last batch of an epoch may be smaller)
 * @param learningRate Adam step size; finite and positive
 */
public record TrainingParams(int epochs, int batchSize, double learningRate) {

  public TrainingParams {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs is " + epochs + "; expected at least 1");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize is " + batchSize + "; expected at least 1");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate is " + learningRate + "; expected a finite number > 0, e.g. 1e-3");
    }
  }
}
