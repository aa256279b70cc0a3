package io.cohort.format.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @Test
  void write_createsParentsAndLeavesOnlyTheTarget(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("a/b/model.bin");
    AtomicFiles.write(file, new byte[] {1, 2, 3});
    assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
    assertThat(names(file.getParent())).containsExactly("model.bin");
  }

  @Test
  void write_replacesAnExistingFileWhole(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("provenance.json");
    AtomicFiles.writeString(file, "a much longer old content than the new one");
    AtomicFiles.writeString(file, "new ✓");
    assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo("new ✓");
    assertThat(names(dir)).containsExactly("provenance.json");
  }

  @Test
  void aFailingWriter_leavesTheOldContentAndNoTemporaryFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("weights.safetensors");
    AtomicFiles.writeString(file, "old");
    assertThatThrownBy(() -> AtomicFiles.write(file, ch -> {
      AtomicFiles.writeFully(ch, ByteBuffer.wrap("half of the ne".getBytes(StandardCharsets.UTF_8)));
      throw new IOException("disk full");
    })).isInstanceOf(IOException.class).hasMessage("disk full");
    assertThat(Files.readString(file)).isEqualTo("old");
    assertThat(names(dir)).containsExactly("weights.safetensors");
  }

  @Test
  void aFailingWriter_createsNoTarget(@TempDir Path dir) {
    Path file = dir.resolve("new.bin");
    assertThatThrownBy(() -> AtomicFiles.write(file, ch -> {
      throw new IllegalStateException("encoder bug");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(file).doesNotExist();
    assertThat(names(dir)).isEmpty();
  }

  @Test
  void writerOutput_arrivesInFullAcrossManyWrites(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.bin");
    byte[] block = new byte[1 << 16];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) (i * 31);
    }
    AtomicFiles.write(file, ch -> {
      for (int i = 0; i < 40; i++) {
        AtomicFiles.writeFully(ch, ByteBuffer.wrap(block));
      }
    });
    byte[] back = Files.readAllBytes(file);
    assertThat(back).hasSize(40 * block.length);
    assertThat(java.util.Arrays.copyOfRange(back, 39 * block.length, back.length)).isEqualTo(block);
  }

  @Test
  void attributes_applyToTheFileFromItsCreation(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ca.key");
    AtomicFiles.write(file, "secret".getBytes(StandardCharsets.UTF_8),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).isEqualTo("secret");
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
