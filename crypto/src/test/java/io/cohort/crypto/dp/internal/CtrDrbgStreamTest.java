package io.cohort.crypto.dp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.Digests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The stream is exactly the AES-256-CTR keystream, whatever its buffer size. Seeded; seed in messages. */
class CtrDrbgStreamTest {
  private static final long SEED = 20261129L;

  @Test
  void output_isTheAesCtrKeystream_forEveryBufferSize() throws Exception {
    int ints = 10_000;
    byte[] key = Digests.sha256(("cohort-dp-test-stream:" + SEED + ":3").getBytes(StandardCharsets.UTF_8));
    Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    ByteBuffer keystream = ByteBuffer.wrap(c.doFinal(new byte[4 * ints])).order(ByteOrder.LITTLE_ENDIAN);
    int[] expected = new int[ints];
    keystream.asIntBuffer().get(expected);
    for (int bufferBytes : new int[] {1, 256, 1000, 4096, CtrDrbgStream.MAX_BUFFER_BYTES, 1 << 20}) {
      CtrDrbgStream s = CtrDrbgStream.forTesting(SEED, 3, bufferBytes);
      int[] got = new int[ints];
      // Mixed request sizes cross buffer boundaries at different offsets.
      int at = 0;
      for (int n = 1; at < ints; n = n * 3 % 997 + 1) {
        int len = Math.min(n, ints - at);
        s.nextInts(got, at, len);
        at += len;
      }
      assertThat(got).as("seed=" + SEED + " bufferBytes=" + bufferBytes).isEqualTo(expected);
    }
  }
}
