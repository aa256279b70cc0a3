package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecureParticipantTest {
  private static TensorBundle bundle(float... w) {
    return new TensorBundle(List.of(new Tensor("w", new long[] {w.length - 1}, java.util.Arrays.copyOf(w, w.length - 1)),
        new Tensor("b", new long[] {1}, new float[] {w[w.length - 1]})));
  }

  @Test
  void delta_isLocalMinusGlobalInTensorOrder_clippedPerCoordinate() {
    float[] d = SecureParticipant.delta(bundle(1f, 2f, 3f), bundle(1.5f, 0f, 3.25f), 1.0, 3);
    assertThat(d).containsExactly(0.5f, -1.0f, 0.25f); // -2 clipped to -1
  }

  @Test
  void delta_withAnotherLayout_isRefused() {
    TensorBundle other = new TensorBundle(List.of(new Tensor("v", new long[] {3}, new float[3])));
    assertThatThrownBy(() -> SecureParticipant.delta(bundle(1f, 2f, 3f), other, 1.0, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layout");
  }
}
