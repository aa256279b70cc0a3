package io.cohort.client.tabular;

/**
 * Hyperparameters of one local training call of {@link MlpClassifier#train}.
 *
 * @param epochs passes over the node's training rows; at least 1
 * @param batchSize rows per Adam step; at least 1 (the last batch of an epoch may be smaller)
 * @param learningRate Adam step size; finite and positive
 * @param classWeights each class's weight in the loss, indexed like the schema's classes (a row's
 *     loss and gradient are multiplied by its class's weight); null for all 1. Not copied.
 */
public record TrainingParams(int epochs, int batchSize, double learningRate, double[] classWeights) {

  /** Unweighted classes. */
  public TrainingParams(int epochs, int batchSize, double learningRate) {
    this(epochs, batchSize, learningRate, null);
  }

  public TrainingParams {
    if (classWeights != null) {
      for (int c = 0; c < classWeights.length; c++) {
        if (!(classWeights[c] > 0) || !Double.isFinite(classWeights[c])) {
          throw new IllegalArgumentException(
              "classWeights[" + c + "] is " + classWeights[c] + "; expected a finite number > 0");
        }
      }
    }
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
