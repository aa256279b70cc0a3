package io.cohort.coordinator.store;

import io.cohort.format.io.AtomicFiles;
import io.cohort.proto.v1.TensorBundleHeader;
import io.cohort.proto.v1.TensorChunk;
import io.cohort.wire.TensorAssembler;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorChunker;
import io.cohort.wire.WireFormatException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Durable storage of a bundle in one file: the magic {@code COHORTB1}, a length-delimited
 * {@link TensorBundleHeader}, then the raw bytes. Reading re-checks sizes and the SHA-256, so a
 * torn or altered file is detected, never loaded.
 *
 * <p>Writes are atomic ({@link AtomicFiles}): a crash leaves either the old file or the complete
 * new one.
 */
public final class TensorFiles {
  private static final byte[] MAGIC = "COHORTB1".getBytes(StandardCharsets.US_ASCII);

  private TensorFiles() {}

  public static void write(TensorBundle bundle, Path file) throws IOException {
    AtomicFiles.write(file, ch -> {
      // Not closed here: AtomicFiles forces and closes the channel after the last byte.
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
      out.write(MAGIC);
      bundle.header().writeDelimitedTo(out);
      IOException[] failure = new IOException[1];
      TensorChunker.chunks(
          bundle,
          chunk -> {
            try {
              if (failure[0] == null) {
                chunk.getData().writeTo(out);
              }
            } catch (IOException e) {
              failure[0] = e;
            }
          });
      if (failure[0] != null) {
        throw failure[0];
      }
      out.flush();
    });
  }

  public static TensorBundle read(Path file, long maxTotalBytes) throws IOException, WireFormatException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new WireFormatException(file + " is not a Cohort tensor file (bad magic)");
      }
      TensorBundleHeader header = TensorBundleHeader.parseDelimitedFrom(in);
      if (header == null) {
        throw new WireFormatException(file + " ends before its header");
      }
      TensorAssembler assembler = new TensorAssembler(header, maxTotalBytes);
      long offset = 0;
      byte[] buf = new byte[TensorChunker.MAX_CHUNK_BYTES];
      while (!assembler.complete()) {
        int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, header.getTotalBytes() - offset));
        if (n == 0) {
          throw new WireFormatException(file + " is truncated at byte " + offset + " of its tensor data");
        }
        assembler.accept(
            TensorChunk.newBuilder()
                .setOffset(offset)
                .setData(com.google.protobuf.ByteString.copyFrom(buf, 0, n))
                .build());
        offset += n;
      }
      if (in.read() != -1) {
        throw new WireFormatException(file + " has bytes after its tensor data");
      }
      return assembler.finish();
    }
  }
}
