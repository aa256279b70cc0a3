package io.cohort.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFilesTest {
  @TempDir Path dir;

  @Test
  void writeThenRead_returnsTheSameBundle() throws Exception {
    TensorBundle b = randomBundle(new SplittableRandom(7), 5, 300_000);
    Path f = dir.resolve("m/round-1.bundle");
    TensorFiles.write(b, f);
    assertThat(TensorFiles.read(f, 1L << 30)).isEqualTo(b);
    assertThat(Files.list(f.getParent())).containsExactly(f); // no temporary file left behind
  }

  @Test
  void truncatedOrAlteredFile_isDetected() throws Exception {
    TensorBundle b = randomBundle(new SplittableRandom(8), 1000);
    Path f = dir.resolve("m.bundle");
    TensorFiles.write(b, f);
    byte[] bytes = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 10));
    assertThatThrownBy(() -> TensorFiles.read(f, 1L << 30)).hasMessageContaining("truncated");
    bytes[bytes.length - 5] ^= 0x40;
    Files.write(f, bytes);
    assertThatThrownBy(() -> TensorFiles.read(f, 1L << 30)).hasMessageContaining("sha256");
    Files.writeString(f, "not a model");
    assertThatThrownBy(() -> TensorFiles.read(f, 1L << 30)).hasMessageContaining("bad magic");
  }

  /** One 1-D tensor per size, Gaussian values from the seeded {@code r}. */
  private static TensorBundle randomBundle(SplittableRandom r, int... sizes) {
    List<Tensor> ts = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      float[] v = new float[sizes[i]];
      for (int j = 0; j < v.length; j++) {
        v[j] = (float) r.nextGaussian();
      }
      ts.add(new Tensor("layers." + i + ".weight", new long[] {sizes[i]}, v));
    }
    return new TensorBundle(ts);
  }
}
