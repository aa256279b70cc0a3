package io.cohort.wire;

import com.google.protobuf.ByteString;
import io.cohort.proto.v1.DType;
import io.cohort.proto.v1.TensorBundleHeader;
import io.cohort.proto.v1.TensorEncoding;
import io.cohort.proto.v1.TensorHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered set of uniquely named tensors: a model, an update or an adapter.
 *
 * <p>The byte form is the concatenation of each tensor's little-endian float32 values in
 * order; its SHA-256 identifies the bundle on the wire and on disk.
 */
public final class TensorBundle {
  private final Map<String, Tensor> tensors;

  public TensorBundle(List<Tensor> tensors) {
    Map<String, Tensor> byName = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      if (byName.put(t.name(), t) != null) {
        throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
      }
    }
    this.tensors = Collections.unmodifiableMap(byName);
  }

  public List<Tensor> tensors() {
    return List.copyOf(tensors.values());
  }

  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** The tensor of that name; throws when absent. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no tensor '" + name + "' in bundle " + names());
    }
    return t;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public long totalBytes() {
    long n = 0;
    for (Tensor t : tensors.values()) {
      n += t.sizeBytes();
    }
    return n;
  }

  /** True when both bundles have the same tensor names, order and shapes. */
  public boolean sameLayout(TensorBundle other) {
    if (tensors.size() != other.tensors.size()) {
      return false;
    }
    var a = tensors.values().iterator();
    var b = other.tensors.values().iterator();
    while (a.hasNext()) {
      if (!a.next().sameLayout(b.next())) {
        return false;
      }
    }
    return true;
  }

  /** Writes one tensor's values as little-endian float32 into {@code out}. */
  static void putValues(Tensor t, ByteBuffer out) {
    out.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(t.values());
    out.position(out.position() + t.values().length * 4);
  }

  /** SHA-256 over the concatenated byte form. */
  public byte[] sha256() {
    MessageDigest md = sha256Digest();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    for (Tensor t : tensors.values()) {
      for (float v : t.values()) {
        if (buf.remaining() < 4) {
          buf.flip();
          md.update(buf);
          buf.clear();
        }
        buf.putFloat(v);
      }
    }
    buf.flip();
    md.update(buf);
    return md.digest();
  }

  /** The wire header describing this bundle. */
  public TensorBundleHeader header() {
    List<TensorHeader> headers = new ArrayList<>();
    for (Tensor t : tensors.values()) {
      TensorHeader.Builder h =
          TensorHeader.newBuilder()
              .setName(t.name())
              .setDtype(DType.DTYPE_F32)
              .setEncoding(TensorEncoding.TENSOR_ENCODING_RAW_LITTLE_ENDIAN)
              .setSizeBytes(t.sizeBytes());
      for (long d : t.shape()) {
        h.addShape(d);
      }
      headers.add(h.build());
    }
    return TensorBundleHeader.newBuilder()
        .addAllTensors(headers)
        .setTotalBytes(totalBytes())
        .setSha256(ByteString.copyFrom(sha256()))
        .build();
  }

  static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Equal when both hold equal tensors in the same order. */
  @Override
  public boolean equals(Object o) {
    return o instanceof TensorBundle b && List.copyOf(tensors.values()).equals(List.copyOf(b.tensors.values()));
  }

  @Override
  public int hashCode() {
    return List.copyOf(tensors.values()).hashCode();
  }

  @Override
  public String toString() {
    return "TensorBundle" + names();
  }
}
