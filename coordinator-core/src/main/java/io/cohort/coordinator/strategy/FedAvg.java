package io.cohort.coordinator.strategy;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Federated averaging (McMahan et al. 2017): the next global model is the mean of the nodes'
 * locally trained parameters, weighted by each node's example count. Sums are kept in double so
 * the result does not depend on the order of updates beyond float rounding of the final value.
 * Stateless: one instance may serve every job.
 */
public final class FedAvg implements Strategy {

  @Override
  public TensorBundle aggregate(int round, Optional<TensorBundle> current, List<ClientUpdate> updates) {
    return aggregate(current, updates);
  }

  /** The weighted mean of the updates' parameters; {@code current} only fixes the expected layout. */
  public TensorBundle aggregate(Optional<TensorBundle> current, List<ClientUpdate> updates) {
    if (updates.isEmpty()) {
      throw new IllegalArgumentException("FedAvg needs at least one update");
    }
    TensorBundle layout = current.orElse(updates.get(0).parameters());
    double totalExamples = 0;
    for (ClientUpdate u : updates) {
      if (!u.parameters().sameLayout(layout)) {
        throw new IllegalArgumentException(
            "update from node " + u.nodeId() + " has tensors " + u.parameters() + "; expected " + layout);
      }
      totalExamples += u.numExamples();
    }
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : layout.tensors()) {
      double[] sum = new double[t.size()];
      for (ClientUpdate u : updates) {
        double w = u.numExamples() / totalExamples;
        float[] v = u.parameters().get(t.name()).values();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += w * v[i];
        }
      }
      float[] mean = new float[sum.length];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = (float) sum[i];
      }
      out.add(new Tensor(t.name(), t.shape().clone(), mean));
    }
    return new TensorBundle(out);
  }

  /** {@code global + meanDelta}, added in double and rounded once per coordinate. */
  @Override
  public TensorBundle applyMeanDelta(int round, TensorBundle global, MeanDelta meanDelta) {
    // Coordinate by coordinate: no model-sized double[] beside the secure accumulator.
    List<Tensor> next = new ArrayList<>();
    int at = 0;
    for (Tensor t : global.tensors()) {
      float[] v = t.values().clone();
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (v[i] + meanDelta.at(at++));
      }
      next.add(new Tensor(t.name(), t.shape().clone(), v));
    }
    return new TensorBundle(next);
  }

  @Override
  public String name() {
    return "fedavg";
  }
}
