package io.cohort.crypto.secagg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.Test;

/** docs/secagg-scenarios.md A4 (known answers) and A5 (statistics) for the AES-256-CTR mask generator. */
class MaskStreamTest {
  private static final HexFormat HEX = HexFormat.of();

  static SecretBytes seed(int first) {
    byte[] k = new byte[32];
    for (int i = 0; i < 32; i++) {
      k[i] = (byte) (first + i);
    }
    return SecretBytes.wrap(k);
  }

  /** Seed 00 01 .. 1f: the first 64 words, little-endian, frozen. AES-256-ECB of counters 0..15 gives the same. */
  static final int[] KAT_SEED_00_1F = {
    0xb60090f2, 0xd09f492a, 0x6a9af3a9, 0x80772edd, 0xae765df0, 0xe59fb94a, 0x319bf6a6, 0x3d36c248,
    0xdeb5bc0e, 0xbd832cb5, 0x35a9a808, 0x99912c18, 0x535643d2, 0x2f608128, 0x83b39e80, 0x565dffc5,
    0xbce65f4e, 0x06b8f22a, 0xf571c333, 0x4e69cec1, 0xe64107a9, 0xa5467179, 0x263fb650, 0xe44e604a,
    0x0a3e6fe9, 0xe250d191, 0xc7d389d3, 0x99482416, 0x9936155d, 0x4145a820, 0x4314a634, 0xb0d15ffe,
    0x074e51d7, 0xa9ec5f2c, 0x34667919, 0x5dba2483, 0x6b52bd2c, 0x9c117ce8, 0xfa2712d0, 0x823b2464,
    0x8c96be7e, 0x790f29eb, 0xfbd8661c, 0x3a86a740, 0x7f4d5821, 0xe6c3aade, 0x52790a87, 0xe26e666e,
    0x25c4623f, 0x8fdbfc19, 0xd7b18085, 0xd6ea0a3c, 0xc152ed30, 0xd5dac8ed, 0x40099c65, 0x7c0214a4,
    0x43e1b562, 0x359d1f8a, 0xb806ac23, 0xab5c422b, 0x9c482810, 0xd47dcf0d, 0x94ea6154, 0xfbf15f26,
  };

  @Test
  void a4_fixedSeed_givesFixedFirst64Words_littleEndian() {
    int[] w = new int[64];
    new MaskStream(seed(0)).next(w, 0, 64);
    assertThat(w).containsExactly(KAT_SEED_00_1F);
    // Chunked consumption gives the same stream as one call.
    int[] parts = new int[64];
    MaskStream s = new MaskStream(seed(0));
    s.next(parts, 0, 5);
    s.next(parts, 5, 59);
    assertThat(parts).containsExactly(KAT_SEED_00_1F);
  }

  @Test
  void a4_nistSp800_38a_f55_ctrAes256_keystreamMatches() {
    byte[] key = HEX.parseHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    byte[] iv = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    byte[] pt = HEX.parseHex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        + "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    byte[] ct = HEX.parseHex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
        + "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
    int[] w = new int[16];
    new MaskStream(SecretBytes.wrap(key), iv).next(w, 0, 16);
    byte[] out = new byte[64];
    for (int i = 0; i < 16; i++) {
      for (int b = 0; b < 4; b++) {
        out[4 * i + b] = (byte) (pt[4 * i + b] ^ (w[i] >>> (8 * b)));
      }
    }
    assertThat(HEX.formatHex(out)).isEqualTo(HEX.formatHex(ct));
  }

  @Test
  void a4_matchesBouncyCastleCtr_independentImplementation() {
    int n = 100_000;
    int[] w = new int[n];
    new MaskStream(seed(7)).next(w, 0, n);
    SICBlockCipher bc = (SICBlockCipher) SICBlockCipher.newInstance(AESEngine.newInstance());
    bc.init(true, new ParametersWithIV(new KeyParameter(seed(7).revealCopy()), new byte[16]));
    byte[] ks = new byte[4 * n];
    bc.processBytes(new byte[4 * n], 0, 4 * n, ks, 0);
    for (int i = 0; i < n; i++) {
      int le = (ks[4 * i] & 0xff) | (ks[4 * i + 1] & 0xff) << 8 | (ks[4 * i + 2] & 0xff) << 16 | (ks[4 * i + 3] & 0xff) << 24;
      assertThat(w[i]).as("word %d", i).isEqualTo(le);
    }
  }

  @Test
  void a5_chiSquare_lowAndHighBytes_of10MillionWords_andExtremesReachable() {
    int n = 10_000_000;
    long[] low = new long[256];
    long[] high = new long[256];
    int nearMax = 0;
    int nearZero = 0;
    MaskStream s = new MaskStream(seed(42));
    int[] buf = new int[1 << 16];
    for (int done = 0; done < n; done += buf.length) {
      int len = Math.min(buf.length, n - done);
      s.next(buf, 0, len);
      for (int i = 0; i < len; i++) {
        int v = buf[i];
        low[v & 0xff]++;
        high[v >>> 24]++;
        if (Integer.compareUnsigned(v, 0xFFFF0000) >= 0) {
          nearMax++;
        }
        if (Integer.compareUnsigned(v, 0x10000) < 0) {
          nearZero++;
        }
      }
    }
    // 255 degrees of freedom: mean 255, sd 22.6; 400 is beyond 6 sd (fixed seed, so deterministic).
    assertThat(chiSquare(low, n)).isLessThan(400);
    assertThat(chiSquare(high, n)).isLessThan(400);
    // About 152 words are expected in each extreme 2^-16 slice: the top of Z_2^32 is not excluded.
    assertThat(nearMax).isBetween(90, 230);
    assertThat(nearZero).isBetween(90, 230);
  }

  private static double chiSquare(long[] counts, int n) {
    double e = n / (double) counts.length;
    double x = 0;
    for (long c : counts) {
      x += (c - e) * (c - e) / e;
    }
    return x;
  }

  @Test
  void a5_seedsDifferingInOneByte_giveUnrelatedStreams_fullSeedIsUsed() {
    for (int pos : new int[] {0, 15, 16, 31}) { // both halves: no folding of 256 bits down to fewer
      byte[] k1 = seed(3).revealCopy();
      byte[] k2 = k1.clone();
      k2[pos] ^= 1;
      int n = 1 << 16;
      int[] a = new int[n];
      int[] b = new int[n];
      new MaskStream(SecretBytes.wrap(k1)).next(a, 0, n);
      new MaskStream(SecretBytes.wrap(k2)).next(b, 0, n);
      long equalBits = 0;
      int equalWords = 0;
      for (int i = 0; i < n; i++) {
        equalBits += 32 - Integer.bitCount(a[i] ^ b[i]);
        equalWords += a[i] == b[i] ? 1 : 0;
      }
      double frac = equalBits / (32.0 * n);
      assertThat(frac).as("byte %d", pos).isBetween(0.495, 0.505);
      assertThat(equalWords).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void addTo_andAddToLittleEndian_agreeWithNext_andSubtractUndoesAdd() {
    int n = 70_000; // more than one chunk
    int[] w = new int[n];
    new MaskStream(seed(9)).next(w, 0, n);
    int[] acc = new int[n];
    new MaskStream(seed(9)).addTo(acc, 0, n, false);
    assertThat(acc).isEqualTo(w);
    new MaskStream(seed(9)).addTo(acc, 0, n, true);
    assertThat(acc).containsOnly(0);
    byte[] le = new byte[4 * n];
    new MaskStream(seed(9)).addToLittleEndian(le, 0, n, false);
    int[] back = new int[n];
    java.nio.ByteBuffer.wrap(le).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(back);
    assertThat(back).isEqualTo(w);
  }
}
