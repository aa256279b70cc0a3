package io.cohort.wire;

import io.cohort.proto.v1.DType;
import io.cohort.proto.v1.TensorBundleHeader;
import io.cohort.proto.v1.TensorChunk;
import io.cohort.proto.v1.TensorEncoding;
import io.cohort.proto.v1.TensorHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rebuilds a {@link TensorBundle} from a header and its chunks, checking everything a peer
 * could get wrong: names, dtypes, shapes against sizes, the size limit, chunk order and
 * length, and the SHA-256 of the bytes. Any violation is a {@link WireFormatException} whose
 * message names the tensor or offset at fault.
 *
 * <p>Not thread-safe; one assembler per stream.
 */
public final class TensorAssembler {
  private final TensorBundleHeader header;
  private final byte[] bytes;
  private final MessageDigest digest = TensorBundle.sha256Digest();
  private int received;

  /**
   * @param header the bundle header that opened the stream
   * @param maxTotalBytes the largest bundle this receiver accepts
   */
  public TensorAssembler(TensorBundleHeader header, long maxTotalBytes) throws WireFormatException {
    this.header = header;
    long total = validate(header, maxTotalBytes);
    this.bytes = new byte[(int) total];
  }

  private static long validate(TensorBundleHeader header, long maxTotalBytes)
      throws WireFormatException {
    if (header.getTensorsCount() == 0) {
      throw new WireFormatException("tensor bundle header lists no tensors");
    }
    Set<String> names = new HashSet<>();
    long total = 0;
    for (int i = 0; i < header.getTensorsCount(); i++) {
      TensorHeader t = header.getTensors(i);
      String where = "tensor #" + i + " '" + t.getName() + "'";
      if (t.getName().isEmpty()) {
        throw new WireFormatException("tensor #" + i + " has an empty name");
      }
      if (!names.add(t.getName())) {
        throw new WireFormatException(where + " appears twice");
      }
      if (t.getDtype() != DType.DTYPE_F32) {
        throw new WireFormatException(where + " has dtype " + t.getDtype() + "; expected DTYPE_F32");
      }
      if (t.getEncoding() != TensorEncoding.TENSOR_ENCODING_RAW_LITTLE_ENDIAN) {
        throw new WireFormatException(
            where + " has encoding " + t.getEncoding() + "; expected TENSOR_ENCODING_RAW_LITTLE_ENDIAN");
      }
      long elements;
      try {
        elements = Tensor.elementCount(t.getShapeList().stream().mapToLong(Long::longValue).toArray());
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new WireFormatException(where + " has an invalid shape " + t.getShapeList());
      }
      if (elements > Integer.MAX_VALUE / 4 || elements * 4 != t.getSizeBytes()) {
        throw new WireFormatException(
            where + " has shape " + t.getShapeList() + " but size_bytes " + t.getSizeBytes());
      }
      total += t.getSizeBytes();
      if (total > maxTotalBytes) {
        throw new WireFormatException(
            "tensor bundle exceeds the limit of " + maxTotalBytes + " bytes at " + where);
      }
    }
    if (total != header.getTotalBytes()) {
      throw new WireFormatException(
          "tensor bundle header says total_bytes " + header.getTotalBytes() + " but its tensors add up to " + total);
    }
    if (header.getSha256().size() != 32) {
      throw new WireFormatException("tensor bundle header needs a 32-byte sha256");
    }
    return total;
  }

  /** Appends the next chunk; chunks must arrive in order and without gaps. */
  public void accept(TensorChunk chunk) throws WireFormatException {
    if (chunk.getOffset() != received) {
      throw new WireFormatException(
          "tensor chunk at offset " + chunk.getOffset() + " but " + received + " bytes were received so far");
    }
    int n = chunk.getData().size();
    if (n == 0 || n > TensorChunker.MAX_CHUNK_BYTES) {
      throw new WireFormatException(
          "tensor chunk at offset " + chunk.getOffset() + " has " + n + " bytes; allowed 1.." + TensorChunker.MAX_CHUNK_BYTES);
    }
    if ((long) received + n > bytes.length) {
      throw new WireFormatException(
          "tensor chunks exceed the declared total of " + bytes.length + " bytes");
    }
    chunk.getData().copyTo(bytes, received);
    digest.update(bytes, received, n);
    received += n;
  }

  public boolean complete() {
    return received == bytes.length;
  }

  /** The bundle, once every byte arrived and the digest matches. */
  public TensorBundle finish() throws WireFormatException {
    if (!complete()) {
      throw new WireFormatException(
          "tensor stream ended after " + received + " of " + bytes.length + " bytes");
    }
    byte[] actual = digest.digest();
    if (!Arrays.equals(actual, header.getSha256().toByteArray())) {
      throw new WireFormatException("tensor bundle sha256 does not match its bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<Tensor> tensors = new ArrayList<>();
    for (TensorHeader t : header.getTensorsList()) {
      float[] values = new float[(int) (t.getSizeBytes() / 4)];
      buf.asFloatBuffer().get(values);
      buf.position(buf.position() + values.length * 4);
      tensors.add(new Tensor(t.getName(), t.getShapeList().stream().mapToLong(Long::longValue).toArray(), values));
    }
    return new TensorBundle(tensors);
  }
}
