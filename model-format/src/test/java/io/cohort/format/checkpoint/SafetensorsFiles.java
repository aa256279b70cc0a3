package io.cohort.format.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds raw safetensors files byte by byte, so tests can make them as corrupt as they like. */
final class SafetensorsFiles {
  private SafetensorsFiles() {}

  /** An 8-byte length (the header's true length), the header text and the data bytes. */
  static Path raw(Path file, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return rawWithLength(file, h.length, h, data);
  }

  /** Like {@link #raw} but with a header length field that may lie. */
  static Path rawWithLength(Path file, long declaredLength, byte[] header, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declaredLength).put(header).put(data);
    Files.write(file, b.array());
    return file;
  }

  static byte[] shortsLe(int... values) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    return b.array();
  }

  static byte[] floatsLe(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }
}
