package io.cohort.crypto.secagg;

import io.cohort.crypto.secagg.internal.Accumulator;
import io.cohort.crypto.secagg.internal.Masker;
import io.cohort.crypto.secagg.internal.MaskStream;
import io.cohort.crypto.secagg.internal.Quantizer;
import io.cohort.crypto.secagg.internal.SecretBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * A plain timing harness (not a JUnit test; JMH is not set up yet). Run after {@code mvn -pl crypto
 * install}:
 *
 * <pre>
 * java -Xmx4g -cp crypto/target/test-classes:crypto/target/classes:$HOME/.m2/repository/org/bouncycastle/bcprov-jdk18on/1.87/bcprov-jdk18on-1.87.jar \
 *   io.cohort.crypto.secagg.SecAggThroughputBench
 * </pre>
 */
public final class SecAggThroughputBench {
  private static final int D = 4_190_000;

  private SecAggThroughputBench() {}

  private static SecretBytes seed(SplittableRandom r) {
    byte[] k = new byte[32];
    r.nextBytes(k);
    return SecretBytes.wrap(k);
  }

  public static void main(String[] args) {
    SplittableRandom r = new SplittableRandom(1);
    MaskStream.warmUp();
    // 1. Keystream throughput, JDK AES-CTR (as used) vs BouncyCastle's AESEngine in CTR mode.
    int words = 64 << 20; // 256 MiB of keystream
    int[] acc = new int[1 << 20];
    for (int rep = 0; rep < 3; rep++) {
      MaskStream s = new MaskStream(seed(r));
      long t0 = System.nanoTime();
      for (int done = 0; done < words; done += acc.length) {
        s.addTo(acc, 0, acc.length, false);
      }
      double sec = (System.nanoTime() - t0) / 1e9;
      System.out.printf("JDK AES-256-CTR mask stream (addTo int[]): %.2f GiB/s%n", words * 4.0 / sec / (1 << 30));
    }
    byte[] zeros = new byte[1 << 16];
    byte[] out = new byte[1 << 16];
    for (int rep = 0; rep < 2; rep++) {
      SICBlockCipher bc = (SICBlockCipher) SICBlockCipher.newInstance(AESEngine.newInstance());
      bc.init(true, new ParametersWithIV(new KeyParameter(seed(r).revealCopy()), new byte[16]));
      long bytes = 64L << 20;
      long t0 = System.nanoTime();
      for (long done = 0; done < bytes; done += zeros.length) {
        bc.processBytes(zeros, 0, zeros.length, out, 0);
      }
      double sec = (System.nanoTime() - t0) / 1e9;
      System.out.printf("BouncyCastle AESEngine CTR keystream:      %.2f GiB/s%n", bytes / sec / (1 << 30));
    }
    // 2. Node masking time, d = 4.19M, n = 20: quantise + self mask + 19 pairwise masks.
    float[] x = new float[D];
    for (int i = 0; i < D; i++) {
      x[i] = (float) (r.nextDouble() * 2 - 1);
    }
    for (int rep = 0; rep < 3; rep++) {
      List<Masker.Mask> masks = new ArrayList<>();
      for (int m = 0; m < 20; m++) {
        masks.add(new Masker.Mask(seed(r), m > 10));
      }
      Quantizer q = new Quantizer(16, 1.0, true, new SplittableRandom(rep));
      long t0 = System.nanoTime();
      byte[] payload = Masker.mask(q, x, 1.0, 1, masks);
      System.out.printf("node masking d=%d n=20: %.3f s (payload %d bytes)%n", D, (System.nanoTime() - t0) / 1e9,
          payload.length);
    }
    // 3. Coordinator: plain quantised sum vs sum + unmask, d = 4.19M, n = 10 (and with one dropout).
    int n = 10;
    byte[][] payloads = new byte[n][];
    for (int i = 0; i < n; i++) {
      payloads[i] = new byte[4 * (D + 1)];
      r.nextBytes(payloads[i]);
    }
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      Accumulator plain = new Accumulator(D + 1);
      for (byte[] p : payloads) {
        plain.add(p);
      }
      double plainSec = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      Accumulator a = new Accumulator(D + 1);
      for (byte[] p : payloads) {
        a.add(p);
      }
      for (int i = 0; i < n; i++) {
        new MaskStream(seed(r)).addTo(a.words(), 0, D + 1, true); // self masks of U3
      }
      a.firstOutOfRange(Long.MAX_VALUE, 0, Long.MAX_VALUE);
      double secagg = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      for (int i = 0; i < n - 1; i++) {
        new MaskStream(seed(r)).addTo(a.words(), 0, D + 1, true); // one dropout: its pairwise masks with 9 others
      }
      double drop = (System.nanoTime() - t0) / 1e9;
      System.out.printf("coordinator d=%d n=%d: plain sum %.3f s, sum+unmask %.3f s (%.1fx), +1 dropout %.3f s more%n",
          D, n, plainSec, secagg, secagg / plainSec, drop);
    }
  }
}
