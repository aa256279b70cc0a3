package io.cohort.client.tabular;

import io.cohort.wire.TensorBundle;

/**
 * Outcome of one local training call of {@link MlpClassifier#train}.
 *
 * @param weights the trained parameters, same layout as the starting ones
 * @param meanTrainLoss mean cross-entropy (natural log) per example over the last epoch, each
 *     batch's loss taken in its forward pass, i.e. before that batch's update
 * @param examples number of distinct training rows (not multiplied by the epochs): the weight
 *     of this node's update in federated averaging
 */
public record TrainResult(TensorBundle weights, double meanTrainLoss, long examples) {}
