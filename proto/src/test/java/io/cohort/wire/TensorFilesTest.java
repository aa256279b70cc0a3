package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFilesTest {
  @TempDir Path dir;

  @Test
  void writeThenRead_returnsTheSameBundle() throws Exception {
    TensorBundle b = TensorTransferTest.randomBundle(new SplittableRandom(7), 5, 300_000);
    Path f = dir.resolve("m/round-1.bundle");
    TensorFiles.write(b, f);
    assertThat(TensorFiles.read(f, 1L << 30)).isEqualTo(b);
    assertThat(Files.list(f.getParent())).containsExactly(f); // no temporary file left behind
  }

  @Test
  void truncatedOrAlteredFile_isDetected() throws Exception {
    TensorBundle b = TensorTransferTest.randomBundle(new SplittableRandom(8), 1000);
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
}
