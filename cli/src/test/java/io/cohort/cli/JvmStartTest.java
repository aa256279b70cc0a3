package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmStartTest {
  @TempDir
  Path dir;

  @Test
  void quickStartsCompileWithC1OnlyAndFullStartsKeepC2() throws IOException {
    Path jar = Files.createFile(dir.resolve("cohort-node.jar"));
    assertThat(JvmStart.QUICK.options(jar)).containsExactly("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    assertThat(JvmStart.FULL.options(jar)).containsExactly("-XX:+UseSerialGC");
  }

  @Test
  void anArchiveNoOlderThanItsJarIsMappedWithItsWarningsOff() throws IOException {
    Path jar = Files.createFile(dir.resolve("cohort-node.jar"));
    Path jsa = Files.createFile(dir.resolve("cohort-node.jsa"));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-07T01:00:00Z")));
    Files.setLastModifiedTime(jsa, FileTime.from(Instant.parse("2026-12-07T01:00:05Z")));
    assertThat(JvmStart.FULL.options(jar)).containsExactly("-XX:+UseSerialGC", "-XX:SharedArchiveFile=" + jsa,
        "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
  }

  @Test
  void aMissingOrStaleArchiveIsLeftOut() throws IOException {
    Path jar = Files.createFile(dir.resolve("cohort.jar"));
    assertThat(JvmStart.classDataArchive(jar)).isEmpty();
    Path jsa = Files.createFile(dir.resolve("cohort.jsa"));
    Files.setLastModifiedTime(jsa, FileTime.from(Instant.parse("2026-12-07T01:00:00Z")));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-07T01:00:05Z")));
    assertThat(JvmStart.classDataArchive(jar)).isEmpty();
  }
}
