package io.cohort.bench.secagg;

import io.cohort.crypto.secagg.internal.MaskStream;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Mask keystream throughput: 64 MiB of AES-256-CTR keystream added into an int[] accumulator, with
 * the JDK's SunJCE cipher (what {@link MaskStream} uses: AES-NI intrinsics) and with
 * BouncyCastle's pure-Java {@code AESEngine} in counter mode, side by side. GiB/s = 1 / (16 · s/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class KeystreamBench {
  static final int BYTES_PER_OP = 64 << 20;
  private static final int CHUNK = MaskStream.CHUNK_BYTES;

  private final SplittableRandom random = new SplittableRandom(7);
  private final int[] acc = new int[CHUNK / 4];
  private final byte[] zeros = new byte[CHUNK];
  private final byte[] keystream = new byte[CHUNK];

  @Setup
  public void warm() {
    MaskStream.warmUp();
  }

  @Benchmark
  public int[] jdkAesCtr(CpuTime cpu) {
    MaskStream s = new MaskStream(Fixtures.seed(random));
    for (int done = 0; done < BYTES_PER_OP; done += CHUNK) {
      s.addTo(acc, 0, acc.length, false);
    }
    return acc;
  }

  @Benchmark
  public int[] bouncyCastleAesEngineCtr(CpuTime cpu) {
    SICBlockCipher bc = (SICBlockCipher) SICBlockCipher.newInstance(AESEngine.newInstance());
    bc.init(true, new ParametersWithIV(new KeyParameter(Fixtures.bytes(random, 32)), new byte[16]));
    for (int done = 0; done < BYTES_PER_OP; done += CHUNK) {
      bc.processBytes(zeros, 0, CHUNK, keystream, 0);
      for (int i = 0; i < acc.length; i++) {
        int j = 4 * i;
        acc[i] += (keystream[j] & 0xFF) | (keystream[j + 1] & 0xFF) << 8 | (keystream[j + 2] & 0xFF) << 16
            | keystream[j + 3] << 24;
      }
    }
    return acc;
  }
}
