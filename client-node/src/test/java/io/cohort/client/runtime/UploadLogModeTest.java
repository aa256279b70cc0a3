package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cohort.crypto.keys.OwnerOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 finding #8: the upload log names jobs and what left the node, so it is created 0600. */
class UploadLogModeTest {
  @TempDir Path dir;

  @Test
  void uploadLog_isCreatedOwnerOnly() throws Exception {
    boolean posix = OwnerOnly.posix(dir);
    if (!posix) {
      System.out.println("skipping: " + dir.getFileSystem() + " has no POSIX permissions");
    }
    assumeTrue(posix);
    Path file = dir.resolve("n1.uploads.log");
    new UploadLog(file, Clock.systemUTC()).record("job-1", 1, UploadLog.Kind.UPDATE, "", 10, "sent");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }
}
