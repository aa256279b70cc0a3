package io.cohort.wire;

import com.google.protobuf.ByteString;
import io.cohort.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Cuts a bundle's byte form into {@link TensorChunk}s of at most {@link #MAX_CHUNK_BYTES}, so no
 * single gRPC message exceeds the 4 MiB limit whatever the bundle's size. Streams: it never
 * materialises the whole byte form.
 */
public final class TensorChunker {
  /** Largest chunk payload; leaves ample room below the 4 MiB message limit. */
  public static final int MAX_CHUNK_BYTES = 1 << 20;

  private TensorChunker() {}

  /** Emits the chunks of {@code bundle}, in order, each of at most {@code chunkBytes}. */
  public static void chunks(TensorBundle bundle, int chunkBytes, Consumer<TensorChunk> sink) {
    if (chunkBytes <= 0 || chunkBytes > MAX_CHUNK_BYTES || chunkBytes % 4 != 0) {
      throw new IllegalArgumentException(
          "chunkBytes must be a multiple of 4 in (0, " + MAX_CHUNK_BYTES + "], got " + chunkBytes);
    }
    ByteBuffer buf = ByteBuffer.allocate(chunkBytes).order(ByteOrder.LITTLE_ENDIAN);
    long offset = 0;
    for (Tensor t : bundle.tensors()) {
      for (float v : t.values()) {
        if (!buf.hasRemaining()) {
          offset = emit(buf, offset, sink);
        }
        buf.putFloat(v);
      }
    }
    if (buf.position() > 0) {
      emit(buf, offset, sink);
    }
  }

  public static void chunks(TensorBundle bundle, Consumer<TensorChunk> sink) {
    chunks(bundle, MAX_CHUNK_BYTES, sink);
  }

  private static long emit(ByteBuffer buf, long offset, Consumer<TensorChunk> sink) {
    buf.flip();
    int n = buf.remaining();
    sink.accept(TensorChunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(buf)).build());
    buf.clear();
    return offset + n;
  }
}
