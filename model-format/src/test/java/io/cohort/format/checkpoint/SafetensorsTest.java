package io.cohort.format.checkpoint;

import static io.cohort.format.checkpoint.SafetensorsFiles.floatsLe;
import static io.cohort.format.checkpoint.SafetensorsFiles.raw;
import static io.cohort.format.checkpoint.SafetensorsFiles.rawWithLength;
import static io.cohort.format.checkpoint.SafetensorsFiles.shortsLe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  @Test
  void writeThenReadIsBitExactInOrderWithMetadata() throws Exception {
    long seed = 20261128L;
    Random rnd = new Random(seed);
    Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
        Float.intBitsToFloat(0x7fc00123)};
    tensors.put("z.last.first", new CheckpointTensor("z.last.first", new int[] {7}, special));
    float[] big = new float[3 * 1000 * 100]; // over one 1 MiB chunk, so chunking is exercised
    for (int i = 0; i < big.length; i++) {
      big[i] = (float) rnd.nextGaussian();
    }
    tensors.put("a.weight", new CheckpointTensor("a.weight", new int[] {3, 1000, 100}, big));
    tensors.put("scalar", new CheckpointTensor("scalar", new int[] {}, new float[] {42f}));
    tensors.put("empty", new CheckpointTensor("empty", new int[] {0, 4}, new float[0]));
    Path file = dir.resolve("m.safetensors");

    Safetensors.write(file, tensors, Map.of("format", "pt"));

    Map<String, CheckpointTensor> back = Safetensors.read(file);
    assertThat(back.keySet()).as("seed %d", seed).containsExactly("z.last.first", "a.weight", "scalar", "empty");
    assertThat(back).isEqualTo(tensors);
    assertThat(Safetensors.metadata(file)).isEqualTo(Map.of("format", "pt"));
    long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).as("data section 8-byte aligned").isZero();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("no temporary file left behind").containsExactly(file);
    }
  }

  @Test
  void writeReplacesAnExistingFile() throws Exception {
    Path file = dir.resolve("m.safetensors");
    Files.writeString(file, "old contents");
    Safetensors.write(file, Map.of("x", new CheckpointTensor("x", new int[] {1}, new float[] {1f})), Map.of());
    assertThat(Safetensors.read(file).get("x").data()).containsExactly(1f);
    assertThat(Safetensors.metadata(file)).isEmpty();
  }

  @Test
  void readsF16AndBf16WidenedToF32() throws Exception {
    byte[] f16 = shortsLe(0x3c00, 0x8000, 0x0001, 0x7c00, 0x7e00, 0xc000);
    byte[] bf16 = shortsLe(0x3f80, 0x4049, 0xff80, 0x0001);
    byte[] data = new byte[f16.length + bf16.length];
    System.arraycopy(f16, 0, data, 0, f16.length);
    System.arraycopy(bf16, 0, data, f16.length, bf16.length);
    Path file = raw(dir.resolve("half.safetensors"),
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[12,20]}}", data);

    Map<String, CheckpointTensor> t = Safetensors.read(file);

    assertThat(t.get("h").shape()).containsExactly(2, 3);
    float[] h = t.get("h").data();
    assertThat(h[0]).isEqualTo(1f);
    assertThat(Float.floatToRawIntBits(h[1])).isEqualTo(0x80000000);
    assertThat(h[2]).isEqualTo(0x1p-24f);
    assertThat(h[3]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(h[4]).isNaN();
    assertThat(h[5]).isEqualTo(-2f);
    assertThat(t.get("b").data()).containsExactly(1f, 3.140625f, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x00010000));
  }

  @Test
  void readWithFilterSkipsTensorsOfUnsupportedDtype() throws Exception {
    Path file = raw(dir.resolve("mixed.safetensors"),
        "{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[0,4]},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        concat(new byte[] {1, 0, 1, 1}, floatsLe(2.5f)));
    assertThat(Safetensors.read(file, n -> !n.equals("mask")).get("w").data()).containsExactly(2.5f);
    assertThatThrownBy(() -> Safetensors.read(file))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("'mask'").hasMessageContaining("BOOL")
        .hasMessageContaining("supported: F32, F16, BF16");
  }

  @Test
  void shorterThanTheLengthField() throws Exception {
    Path file = dir.resolve("tiny.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    assertBad(file, "truncated", "8-byte header length");
  }

  @Test
  void headerLengthPastTheEndOfTheFile() throws Exception {
    Path file = rawWithLength(dir.resolve("h.safetensors"), 1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
    assertBad(file, "truncated", "claims 1000 bytes");
  }

  @Test
  void hugeHeaderLengthIsRejectedWithoutAllocating() throws Exception {
    Path file = rawWithLength(dir.resolve("h.safetensors"), 1L << 62, "{}".getBytes(StandardCharsets.UTF_8),
        new byte[0]);
    assertBad(file, "over the limit");
    Path negative = rawWithLength(dir.resolve("n.safetensors"), -5, "{}".getBytes(StandardCharsets.UTF_8),
        new byte[0]);
    assertBad(negative, "over the limit");
  }

  @Test
  void headerThatIsNotJson() throws Exception {
    assertBad(raw(dir.resolve("j.safetensors"), "{\"a\": {\"dtype\": ", new byte[0]), "not valid JSON");
    assertBad(raw(dir.resolve("k.safetensors"), "[1,2]", new byte[0]), "must be a JSON object");
    Path notUtf8 = rawWithLength(dir.resolve("u.safetensors"), 3, new byte[] {'{', (byte) 0xff, '}'}, new byte[0]);
    assertBad(notUtf8, "not valid UTF-8");
  }

  @Test
  void duplicateTensorNameInTheHeader() throws Exception {
    String e = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    assertBad(raw(dir.resolve("d.safetensors"), "{\"a\":" + e + ",\"a\":" + e + "}", floatsLe(1f)), "not valid JSON",
        "Duplicate field 'a'");
  }

  @Test
  void overlappingOffsets() throws Exception {
    Path file = raw(dir.resolve("o.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", floatsLe(1f, 2f, 3f));
    assertBad(file, "'a' and 'b' overlap");
  }

  @Test
  void offsetsPastTheEndOfTheData() throws Exception {
    Path file = raw(dir.resolve("p.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", floatsLe(1f, 2f));
    assertBad(file, "tensor 'a'", "run past the end", "8 bytes");
  }

  @Test
  void truncatedDataSectionOfAWrittenFile() throws Exception {
    Path file = dir.resolve("t.safetensors");
    Safetensors.write(file, Map.of("w", new CheckpointTensor("w", new int[] {16}, new float[16])), Map.of());
    byte[] all = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(all, all.length - 10));
    assertBad(file, "tensor 'w'", "run past the end");
  }

  @Test
  void invertedOrNegativeOffsets() throws Exception {
    assertBad(raw(dir.resolve("i.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", floatsLe(1f, 2f)), "not a valid range");
    assertBad(raw(dir.resolve("n.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", floatsLe(1f)), "not a valid range");
  }

  @Test
  void unknownDtype() throws Exception {
    assertBad(raw(dir.resolve("u.safetensors"),
        "{\"a\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", floatsLe(1f)),
        "tensor 'a'", "unknown dtype 'F17'", "BF16");
  }

  @Test
  void dataLengthNotMatchingTheShape() throws Exception {
    assertBad(raw(dir.resolve("s.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floatsLe(1f, 2f)),
        "tensor 'a'", "F32 [3] needs 12 bytes", "span 8");
  }

  @Test
  void malformedEntries() throws Exception {
    assertBad(raw(dir.resolve("a.safetensors"), "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", floatsLe(1f)),
        "tensor 'a'", "'shape'");
    assertBad(raw(dir.resolve("b.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", floatsLe(1f)), "non-negative");
    assertBad(raw(dir.resolve("c.safetensors"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", floatsLe(1f)),
        "'data_offsets'");
    assertBad(raw(dir.resolve("d.safetensors"), "{\"a\":[1]}", floatsLe(1f)), "header entry must be an object");
    assertBad(raw(dir.resolve("e.safetensors"), "{\"__metadata__\":{\"k\":1}}", new byte[0]), "not a string");
    assertBad(raw(dir.resolve("f.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776, 1099511627776],\"data_offsets\":[0,4]}}", floatsLe(1f)),
        "below 2^31");
  }

  @Test
  void missingFile() {
    Path file = dir.resolve("absent.safetensors");
    assertThatThrownBy(() -> Safetensors.read(file)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("no such file");
  }

  private static void assertBad(Path file, String... fragments) {
    var thrown = assertThatThrownBy(() -> Safetensors.read(file)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(file.toString());
    for (String f : fragments) {
      thrown.hasMessageContaining(f);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
