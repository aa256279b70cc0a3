package io.cohort.crypto.dp.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomizedHadamardTest {
  @Test
  void inverseUndoesForward_andNormIsKept() {
    SplittableRandom r = new SplittableRandom(5);
    float[] x = new float[1000];
    double n2 = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
      n2 += (double) x[i] * x[i];
    }
    RandomizedHadamard h = new RandomizedHadamard(1000, new byte[] {1, 2, 3});
    assertThat(h.paddedDimension()).isEqualTo(1024);
    double[] y = h.forward(x);
    double m2 = 0;
    for (double v : y) {
      m2 += v * v;
    }
    assertThat(m2 / n2).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    double[] back = h.inverse(y);
    for (int i = 0; i < x.length; i++) {
      assertThat(back[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-9));
    }
  }

  @Test
  void spike_isFlattened_andSignsDependOnTheSeed() {
    float[] spike = new float[4096];
    spike[17] = 1f;
    double[] a = new RandomizedHadamard(4096, new byte[] {9}).forward(spike);
    double[] b = new RandomizedHadamard(4096, new byte[] {9}).forward(spike);
    double[] c = new RandomizedHadamard(4096, new byte[] {10}).forward(spike);
    assertThat(a).containsExactly(b);
    assertThat(Math.abs(a[0])).isEqualTo(Math.abs(c[0]));
    float[] ramp = new float[4096];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = i;
    }
    double[] d9 = new RandomizedHadamard(4096, new byte[] {9}).forward(ramp);
    double[] d10 = new RandomizedHadamard(4096, new byte[] {10}).forward(ramp);
    assertThat(java.util.Arrays.equals(d9, d10)).isFalse();
    for (double v : a) {
      assertThat(Math.abs(v)).isCloseTo(1 / 64.0, org.assertj.core.data.Offset.offset(1e-15));
    }
  }
}
