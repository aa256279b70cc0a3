package io.cohort.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.proto.v1.TensorBundleHeader;
import io.cohort.proto.v1.TensorChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TensorTransferTest {
  private static final long SEED = 20261128L;

  static TensorBundle randomBundle(SplittableRandom r, int... sizes) {
    List<Tensor> ts = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      float[] v = new float[sizes[i]];
      for (int j = 0; j < v.length; j++) {
        v[j] = (float) r.nextGaussian();
      }
      ts.add(new Tensor("layers." + i + ".weight", new long[] {sizes[i]}, v));
    }
    return new TensorBundle(ts);
  }

  private static List<TensorChunk> chunks(TensorBundle b, int size) {
    List<TensorChunk> out = new ArrayList<>();
    TensorChunker.chunks(b, size, out::add);
    return out;
  }

  @Test
  void chunkedRoundTrip_reproducesEveryTensorExactly() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    TensorBundle b = randomBundle(r, 3, 1000, 1, 777);
    TensorAssembler a = new TensorAssembler(b.header(), 1 << 20);
    List<TensorChunk> cs = chunks(b, 64);
    assertThat(cs).allSatisfy(c -> assertThat(c.getData().size()).isLessThanOrEqualTo(64));
    for (TensorChunk c : cs) {
      a.accept(c);
    }
    assertThat(a.finish()).as("seed %d", SEED).isEqualTo(b);
  }

  @Test
  void largeBundle_neverProducesAMessageAboveTheChunkLimit() {
    TensorBundle b = randomBundle(new SplittableRandom(SEED), 700_000); // 2.8 MB
    List<TensorChunk> cs = chunks(b, TensorChunker.MAX_CHUNK_BYTES);
    assertThat(cs).hasSize(3);
    assertThat(cs).allSatisfy(c -> assertThat(c.getSerializedSize()).isLessThan(TensorChunker.MAX_CHUNK_BYTES + 64));
    assertThat(cs.stream().mapToLong(c -> c.getData().size()).sum()).isEqualTo(b.totalBytes());
  }

  @Test
  void tamperedChunk_failsTheDigestCheck() throws Exception {
    TensorBundle b = randomBundle(new SplittableRandom(SEED), 100);
    TensorAssembler a = new TensorAssembler(b.header(), 1 << 20);
    TensorChunk c = chunks(b, 400).get(0);
    byte[] bytes = c.getData().toByteArray();
    bytes[17] ^= 1;
    a.accept(c.toBuilder().setData(ByteString.copyFrom(bytes)).build());
    assertThatThrownBy(a::finish).isInstanceOf(WireFormatException.class).hasMessageContaining("sha256");
  }

  @Test
  void outOfOrderOrShortStreams_areRejectedWithTheOffset() throws Exception {
    TensorBundle b = randomBundle(new SplittableRandom(SEED), 100);
    List<TensorChunk> cs = chunks(b, 100);
    TensorAssembler a = new TensorAssembler(b.header(), 1 << 20);
    assertThatThrownBy(() -> a.accept(cs.get(1))).isInstanceOf(WireFormatException.class)
        .hasMessageContaining("offset 100").hasMessageContaining("0 bytes");
    TensorAssembler shortStream = new TensorAssembler(b.header(), 1 << 20);
    shortStream.accept(cs.get(0));
    assertThatThrownBy(shortStream::finish).hasMessageContaining("after 100 of 400 bytes");
  }

  @Test
  void headerLies_areRejectedBeforeAnyByteIsAccepted() {
    TensorBundle b = randomBundle(new SplittableRandom(SEED), 10);
    TensorBundleHeader h = b.header();
    TensorBundleHeader wrongSize = h.toBuilder().setTensors(0, h.getTensors(0).toBuilder().setSizeBytes(44)).build();
    assertThatThrownBy(() -> new TensorAssembler(wrongSize, 1 << 20)).hasMessageContaining("layers.0.weight")
        .hasMessageContaining("size_bytes 44");
    assertThatThrownBy(() -> new TensorAssembler(h, 39)).hasMessageContaining("exceeds the limit of 39 bytes");
    TensorBundleHeader dup = h.toBuilder().addTensors(h.getTensors(0)).setTotalBytes(80).build();
    assertThatThrownBy(() -> new TensorAssembler(dup, 1 << 20)).hasMessageContaining("appears twice");
    TensorBundleHeader negative = h.toBuilder().setTensors(0, h.getTensors(0).toBuilder().setShape(0, -10)).build();
    assertThatThrownBy(() -> new TensorAssembler(negative, 1 << 20)).hasMessageContaining("invalid shape");
  }
}
