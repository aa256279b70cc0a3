package io.cohort.format.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;

/**
 * Replaces a file whole or not at all: a reader, or the same program after a crash or power
 * loss, finds either the old content or all of the new content, never a prefix.
 *
 * <p>How: the content goes to a hidden temporary file in the target's directory (so the rename
 * stays on one file system), is forced to the disk, and the temporary file is renamed over the
 * target ({@code ATOMIC_MOVE}; a plain replacing move where the file system cannot). The directory
 * is then forced too, so that the rename itself survives a power loss (POSIX keeps the directory
 * entry in the directory's own blocks). If anything fails, the temporary file is removed and the
 * target is untouched.
 *
 * <p>Not a lock: two writers of the same file race, and the last rename wins.
 */
public final class AtomicFiles {
  /** Writes a file's content to the channel of its temporary file; it must not close the channel. */
  @FunctionalInterface
  public interface Content {
    void writeTo(FileChannel channel) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Replaces {@code file} with what {@code content} writes, creating missing parent directories.
   *
   * @param attributes attributes of the temporary file as it is created, e.g. POSIX permissions
   *     0600 for a secret, so that the content is never readable under wider permissions
   */
  public static void write(Path file, Content content, FileAttribute<?>... attributes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attributes);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        content.writeTo(ch);
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Replaces {@code file} with {@code bytes}; see {@link #write(Path, Content, FileAttribute[])}. */
  public static void write(Path file, byte[] bytes, FileAttribute<?>... attributes) throws IOException {
    write(file, ch -> writeFully(ch, ByteBuffer.wrap(bytes)), attributes);
  }

  /** Replaces {@code file} with {@code text} in UTF-8. */
  public static void writeString(Path file, String text) throws IOException {
    write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes every remaining byte of {@code buffer} (one {@code write} call may write fewer). */
  public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; the rename is then as durable as the OS makes it.
    }
  }
}
