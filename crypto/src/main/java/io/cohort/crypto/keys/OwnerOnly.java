package io.cohort.crypto.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only their owner may read: 0600 for databases, ledgers, anchors, tokens
 * and logs that name identifiers, 0700 for the directories that hold them (issue 22 finding #8).
 * Modes are set when the file or directory is created, through a file attribute, so there is no
 * moment at which it is readable by others. On a file system without POSIX permissions (e.g.
 * Windows) every method here does what {@link Files} does without the attribute.
 */
public final class OwnerOnly {
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

  private OwnerOnly() {
  }

  /** Whether {@code path}'s file system has POSIX permissions. */
  public static boolean posix(Path path) {
    FileSystem fs = path.getFileSystem();
    return fs.supportedFileAttributeViews().contains("posix");
  }

  /** The attributes that create a file 0600: none where the file system has no POSIX modes. */
  public static FileAttribute<?>[] fileAttributes(Path file) {
    return posix(file)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /**
   * Creates {@code dir} and any missing parents, each one created here with mode 0700; existing
   * directories are left as they are.
   */
  public static Path createDirectories(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      return abs;
    }
    return posix(abs)
        ? Files.createDirectories(abs, PosixFilePermissions.asFileAttribute(DIRECTORY))
        : Files.createDirectories(abs);
  }

  /** Creates an empty file with mode 0600 (it must not exist yet). */
  public static Path createFile(Path file) throws IOException {
    return Files.createFile(file, fileAttributes(file));
  }

  /**
   * Takes group and other permissions away from an existing file (to 0600) or directory (to
   * 0700); does nothing for a missing path, a symbolic link or a non-POSIX file system.
   *
   * @return whether the mode changed
   */
  public static boolean restrict(Path path) throws IOException {
    if (!posix(path) || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)
        || Files.isSymbolicLink(path)) {
      return false;
    }
    Set<PosixFilePermission> want = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : FILE;
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
    if (now.equals(want)) {
      return false;
    }
    Files.setPosixFilePermissions(path, want);
    return true;
  }

  /**
   * Replaces {@code file}'s contents durably and owner-only: a fresh temporary file created 0600,
   * written and fsynced, renamed over {@code file} (the rename keeps the 0600), then the directory
   * fsynced. A crash leaves either the old or the new contents, never a mix, and never a moment at
   * which others may read the file (issue 22 #8: anchors, acknowledgements, reservations, witnessed
   * audit heads).
   */
  public static void replaceDurably(Path file, byte[] contents) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    // A temporary file left by a crash may have another mode; a new one gets 0600 from birth.
    Files.deleteIfExists(tmp);
    try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        fileAttributes(tmp))) {
      ByteBuffer buf = ByteBuffer.wrap(contents);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    Path dir = file.toAbsolutePath().getParent();
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories; the rename is still atomic.
    }
  }
}
