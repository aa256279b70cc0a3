package io.cohort.format.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.format.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header), an
 * optional {@code __metadata__} string map, then the raw little-endian tensor bytes.
 *
 * <p>F32, F16 and BF16 tensors are read and widened to float32 in plain Java. Every offset,
 * length and shape is checked against the file before any tensor data is allocated, and the
 * header is bounded, so a corrupt file gives a {@link CheckpointException}, never an
 * out-of-memory error. Writing is F32 only, through a temporary file moved into place.
 */
public final class Safetensors {
  /** The reference implementation's limit on the JSON header (100 MB). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA_KEY = "__metadata__";
  private static final int CHUNK_BYTES = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** Byte sizes of the dtypes the format defines; only F32, F16 and BF16 can be read as floats. */
  private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
      Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
      Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
      Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1),
      Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

  private Safetensors() {}

  /** One tensor as the header describes it; offsets are absolute positions in the file. */
  public record Entry(String name, String dtype, int[] shape, long begin, long end) {
    public long byteLength() {
      return end - begin;
    }
  }

  /** A validated header: metadata and the tensors in header order. */
  public record Header(Path file, Map<String, String> metadata, Map<String, Entry> entries) {}

  /** Every tensor of the file, widened to float32, in header order. */
  public static Map<String, CheckpointTensor> read(Path file) throws CheckpointException {
    return read(file, name -> true);
  }

  /** The tensors whose names {@code include} accepts, widened to float32, in header order. */
  public static Map<String, CheckpointTensor> read(Path file, Predicate<String> include) throws CheckpointException {
    Header header = header(file);
    Map<String, CheckpointTensor> out = new LinkedHashMap<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (Entry e : header.entries().values()) {
        if (include.test(e.name())) {
          out.put(e.name(), readTensor(file, ch, e));
        }
      }
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return out;
  }

  /** One tensor of the file, widened to float32; {@code e} comes from {@link #header}. */
  public static CheckpointTensor readTensor(Path file, Entry e) throws CheckpointException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readTensor(file, ch, e);
    } catch (CheckpointException x) {
      throw x;
    } catch (IOException x) {
      throw new CheckpointException(file, "cannot read: " + x.getMessage(), x);
    }
  }

  /** The {@code __metadata__} map of the header (empty when absent). */
  public static Map<String, String> metadata(Path file) throws CheckpointException {
    return header(file).metadata();
  }

  /** Reads and validates the header only; no tensor data is read. */
  public static Header header(Path file) throws CheckpointException {
    long fileSize;
    byte[] headerBytes;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      fileSize = ch.size();
      if (fileSize < 8) {
        throw new CheckpointException(file, "truncated safetensors file: " + fileSize
            + " bytes, but the format starts with an 8-byte header length");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, ch, len, 0);
      long headerLength = len.flip().getLong();
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw new CheckpointException(file, "safetensors header length " + Long.toUnsignedString(headerLength)
            + " is over the limit of " + MAX_HEADER_BYTES + " bytes; the file is corrupt or not safetensors");
      }
      if (headerLength > fileSize - 8) {
        throw new CheckpointException(file, "truncated safetensors file: the header claims " + headerLength
            + " bytes but only " + (fileSize - 8) + " follow the length field");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLength);
      readFully(file, ch, hb, 8);
      headerBytes = hb.array();
    } catch (CheckpointException e) {
      throw e;
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "no such file", e);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return parseHeader(file, headerBytes, fileSize);
  }

  private static Header parseHeader(Path file, byte[] headerBytes, long fileSize) throws CheckpointException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(headerBytes)).toString();
    } catch (CharacterCodingException e) {
      throw new CheckpointException(file, "safetensors header is not valid UTF-8; the file is corrupt");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "safetensors header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, "safetensors header must be a JSON object");
    }
    long dataStart = 8L + headerBytes.length;
    long dataLength = fileSize - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(METADATA_KEY)) {
        parseMetadata(file, field.getValue(), metadata);
      } else {
        Entry e = parseEntry(file, field.getKey(), field.getValue(), dataStart, dataLength);
        entries.put(e.name(), e);
      }
    }
    checkNoOverlap(file, entries);
    return new Header(file, metadata, entries);
  }

  private static void parseMetadata(Path file, JsonNode node, Map<String, String> out) throws CheckpointException {
    if (!node.isObject()) {
      throw new CheckpointException(file, "safetensors __metadata__ must be an object of strings");
    }
    for (Map.Entry<String, JsonNode> m : node.properties()) {
      if (!m.getValue().isTextual()) {
        throw new CheckpointException(file, "safetensors __metadata__ value for '" + m.getKey() + "' is not a string");
      }
      out.put(m.getKey(), m.getValue().textValue());
    }
  }

  private static Entry parseEntry(Path file, String name, JsonNode node, long dataStart, long dataLength)
      throws CheckpointException {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) {
      throw new CheckpointException(file, where + ": header entry must be an object with dtype, shape, data_offsets");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new CheckpointException(file, where + ": missing or non-string 'dtype'");
    }
    String dtype = dtypeNode.textValue();
    Integer itemBytes = DTYPE_BYTES.get(dtype);
    if (itemBytes == null) {
      throw new CheckpointException(file, where + ": unknown dtype '" + dtype + "' (safetensors defines "
          + String.join(", ", new java.util.TreeSet<>(DTYPE_BYTES.keySet())) + ")");
    }
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new CheckpointException(file, where + ": missing or non-array 'shape'");
    }
    int[] shape = new int[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) {
        throw new CheckpointException(file, where + ": shape " + shapeNode + " must hold non-negative integers"
            + " below 2^31");
      }
      shape[i] = d.intValue();
    }
    JsonNode offsets = node.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
        || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
      throw new CheckpointException(file, where + ": 'data_offsets' must be [begin, end] integers");
    }
    long begin = offsets.get(0).longValue();
    long end = offsets.get(1).longValue();
    if (begin < 0 || end < begin) {
      throw new CheckpointException(file, where + ": data_offsets [" + begin + ", " + end + "] are not a valid range");
    }
    if (end > dataLength) {
      throw new CheckpointException(file, where + ": data_offsets [" + begin + ", " + end + "] run past the end of"
          + " the data (" + dataLength + " bytes); the file is truncated or corrupt");
    }
    long expected;
    try {
      expected = Math.multiplyExact(CheckpointTensor.elementCount(shape), itemBytes);
    } catch (ArithmeticException e) {
      throw new CheckpointException(file, where + ": shape " + Arrays.toString(shape) + " is too large");
    }
    if (expected != end - begin) {
      throw new CheckpointException(file, where + ": " + dtype + " " + Arrays.toString(shape) + " needs " + expected
          + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
    }
    return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
  }

  private static void checkNoOverlap(Path file, Map<String, Entry> entries) throws CheckpointException {
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    Entry previous = null;
    for (Entry e : sorted) {
      if (previous != null && e.begin() < previous.end()) {
        throw new CheckpointException(file, "tensors '" + previous.name() + "' and '" + e.name()
            + "' overlap in the data section; the file is corrupt");
      }
      if (e.byteLength() > 0) {
        previous = e;
      }
    }
  }

  private static CheckpointTensor readTensor(Path file, FileChannel ch, Entry e) throws IOException {
    String dtype = e.dtype();
    if (!dtype.equals("F32") && !dtype.equals("F16") && !dtype.equals("BF16")) {
      throw new CheckpointException(file, "tensor '" + e.name() + "' has dtype " + dtype
          + ", which cannot be read as floating point weights (supported: F32, F16, BF16)");
    }
    long count = CheckpointTensor.elementCount(e.shape());
    if (count > Integer.MAX_VALUE - 8) {
      throw new CheckpointException(file, "tensor '" + e.name() + "' has " + count
          + " elements, more than one Java array holds");
    }
    float[] data = new float[(int) count];
    int itemBytes = DTYPE_BYTES.get(dtype);
    int itemsPerChunk = CHUNK_BYTES / itemBytes;
    ByteBuffer buf = ByteBuffer.allocate(itemsPerChunk * itemBytes).order(ByteOrder.LITTLE_ENDIAN);
    short[] halves = itemBytes == 2 ? new short[itemsPerChunk] : null;
    long position = e.begin();
    for (int done = 0; done < data.length; ) {
      int n = Math.min(itemsPerChunk, data.length - done);
      buf.clear().limit(n * itemBytes);
      readFully(file, ch, buf, position);
      buf.flip();
      position += (long) n * itemBytes;
      switch (dtype) {
        case "F32" -> buf.asFloatBuffer().get(data, done, n);
        case "F16" -> {
          buf.asShortBuffer().get(halves, 0, n);
          for (int i = 0; i < n; i++) {
            data[done + i] = HalfFloats.f16ToFloat(halves[i]);
          }
        }
        default -> {
          buf.asShortBuffer().get(halves, 0, n);
          for (int i = 0; i < n; i++) {
            data[done + i] = HalfFloats.bf16ToFloat(halves[i]);
          }
        }
      }
      done += n;
    }
    return new CheckpointTensor(e.name(), e.shape().clone(), data);
  }

  private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new CheckpointException(file, "unexpected end of file at byte " + pos + "; the file is truncated");
      }
      pos += n;
    }
  }

  /**
   * Writes the tensors as F32 under their map keys, in map order, with the given metadata (may
   * be empty). The file appears atomically: it is written beside the target and moved into place.
   */
  public static void write(Path file, Map<String, CheckpointTensor> tensors, Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA_KEY);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, CheckpointTensor> t : tensors.entrySet()) {
      if (t.getKey().equals(METADATA_KEY)) {
        throw new IllegalArgumentException("a tensor cannot be named " + METADATA_KEY);
      }
      ObjectNode entry = header.putObject(t.getKey());
      entry.put("dtype", "F32");
      ArrayNode shape = entry.putArray("shape");
      for (int d : t.getValue().shape()) {
        shape.add(d);
      }
      long bytes = 4L * t.getValue().size();
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    // pad with spaces so the data starts 8-byte aligned, as the reference writer does
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = Arrays.copyOf(json, padded);
    Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

    AtomicFiles.write(file, ch -> {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
      AtomicFiles.writeFully(ch, len);
      AtomicFiles.writeFully(ch, ByteBuffer.wrap(headerBytes));
      ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (CheckpointTensor t : tensors.values()) {
        float[] data = t.data();
        for (int done = 0; done < data.length; ) {
          int n = Math.min(CHUNK_BYTES / 4, data.length - done);
          buf.clear();
          buf.asFloatBuffer().put(data, done, n);
          buf.limit(n * 4);
          AtomicFiles.writeFully(ch, buf);
          done += n;
        }
      }
    });
  }
}
