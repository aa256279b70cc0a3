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
 */
public final class FedAvg implements Strategy {

  @Override
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

  @Override
  public String name() {
    return "fedavg";
  }
}
