package io.cohort.coordinator.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FedAvgTest {
  private static TensorBundle bundle(SplittableRandom r, int n) {
    float[] w = new float[n];
    float[] b = new float[3];
    for (int i = 0; i < n; i++) {
      w[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < 3; i++) {
      b[i] = (float) r.nextGaussian();
    }
    return new TensorBundle(List.of(new Tensor("w", new long[] {n / 2, 2}, w), new Tensor("b", new long[] {3}, b)));
  }

  @Test
  void weightedMean_matchesTheNaiveFormula() {
    long seed = 4242;
    SplittableRandom r = new SplittableRandom(seed);
    List<ClientUpdate> updates = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      updates.add(new ClientUpdate("n" + i, 1 + r.nextInt(1000), bundle(r, 10)));
    }
    TensorBundle avg = new FedAvg().aggregate(Optional.empty(), updates);
    double total = updates.stream().mapToLong(ClientUpdate::numExamples).sum();
    for (String name : List.of("w", "b")) {
      float[] got = avg.get(name).values();
      for (int j = 0; j < got.length; j++) {
        double expected = 0;
        for (ClientUpdate u : updates) {
          expected += u.numExamples() * u.parameters().get(name).values()[j];
        }
        assertThat((double) got[j]).as("seed %d tensor %s[%d]", seed, name, j).isCloseTo(expected / total, within(1e-6));
      }
    }
  }

  @Test
  void exampleCountsMatter_notNodeCount() {
    TensorBundle zero = new TensorBundle(List.of(new Tensor("w", new long[] {1}, new float[] {0})));
    TensorBundle four = new TensorBundle(List.of(new Tensor("w", new long[] {1}, new float[] {4})));
    TensorBundle avg = new FedAvg().aggregate(Optional.empty(),
        List.of(new ClientUpdate("a", 300, zero), new ClientUpdate("b", 100, four)));
    assertThat(avg.get("w").values()[0]).isEqualTo(1.0f);
  }

  @Test
  void mismatchedLayout_namesTheNode() {
    SplittableRandom r = new SplittableRandom(1);
    assertThatThrownBy(() -> new FedAvg().aggregate(Optional.of(bundle(r, 10)),
        List.of(new ClientUpdate("odd", 5, bundle(r, 12))))).hasMessageContaining("node odd");
  }
}
