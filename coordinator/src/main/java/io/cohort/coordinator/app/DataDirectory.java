package io.cohort.coordinator.app;

import io.cohort.crypto.keys.OwnerOnly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Keeps the coordinator's data directory owner-only (issue 22 finding #8): the directory and its
 * {@code db/} folder 0700, the H2 database files, {@code audit.head} and {@code admin.token} 0600.
 * H2 creates its files itself (with the process umask), so the coordinator takes group and other
 * permissions away at start, before it serves anything; the files it creates itself are created
 * with those modes in the first place.
 */
final class DataDirectory {
  private DataDirectory() {
  }

  /**
   * Restricts what exists of the data directory's private parts; returns the paths whose mode
   * changed, for the log. Does nothing on a file system without POSIX permissions.
   */
  static List<Path> restrict(Path dataDir) throws IOException {
    List<Path> changed = new ArrayList<>();
    Path dir = dataDir.toAbsolutePath();
    if (!Files.isDirectory(dir) || !OwnerOnly.posix(dir)) {
      return changed;
    }
    List<Path> paths = new ArrayList<>(List.of(dir, dir.resolve("db"), dir.resolve("audit.head"),
        dir.resolve(AdminToken.FILE_NAME)));
    Path db = dir.resolve("db");
    if (Files.isDirectory(db)) {
      try (Stream<Path> files = Files.list(db)) {
        files.filter(Files::isRegularFile).forEach(paths::add);
      }
    }
    IOException first = null;
    for (Path p : paths) {
      try {
        if (OwnerOnly.restrict(p)) {
          changed.add(p);
        }
      } catch (IOException e) { // e.g. a volume root owned by another user: restrict the rest anyway
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw new IOException("restricted " + changed.size() + " path(s), but not all: " + first, first);
    }
    return changed;
  }
}
