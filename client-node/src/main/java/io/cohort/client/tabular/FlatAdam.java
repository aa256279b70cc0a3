package io.cohort.client.tabular;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (beta1 0.9, beta2 0.999, eps 1e-8) on a network's flattened parameter vector, state from zero on every
 * training call. Cohort's own rather than the configuration's updater, so that a job's learning rate and the
 * DP optimiser (post-processing of the privatised gradient) are the same whatever configuration a user brings.
 */
final class FlatAdam {
  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-8;

  private final double learningRate;
  private final INDArray m;
  private final INDArray v;
  private int t;

  FlatAdam(INDArray params, double learningRate) {
    this.learningRate = learningRate;
    this.m = Nd4j.zeros(params.dataType(), params.shape());
    this.v = Nd4j.zeros(params.dataType(), params.shape());
  }

  /** params -= lr * m^ / (sqrt(v^) + eps) for the mean gradient {@code g}, in place. */
  void step(INDArray params, INDArray g) {
    t++;
    double correction1 = 1 - Math.pow(BETA1, t);
    double correction2 = 1 - Math.pow(BETA2, t);
    m.muli(BETA1).addi(g.mul(1 - BETA1));
    v.muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
    INDArray denominator = Transforms.sqrt(v.div(correction2), false).addi(EPSILON);
    params.subi(m.div(correction1).muli(learningRate).divi(denominator));
  }
}
