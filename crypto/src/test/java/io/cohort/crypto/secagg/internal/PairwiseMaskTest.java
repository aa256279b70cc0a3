package io.cohort.crypto.secagg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** docs/secagg-scenarios.md A6 (pairwise cancellation) and the key-derivation half of S7. */
class PairwiseMaskTest {

  @Test
  void a6_sumOverAllPairsOfSignedMasks_isZero_forRandomIds() {
    long seed = 71;
    Random r = new Random(seed);
    int n = 9;
    int d = 1000;
    int[] ids = r.ints(1, 1 << 30).distinct().limit(n).toArray();
    X25519KeyPair[] keys = new X25519KeyPair[n];
    for (int i = 0; i < n; i++) {
      keys[i] = X25519KeyPair.generate(new SecureRandom());
    }
    byte[] session = new byte[32];
    r.nextBytes(session);
    int[] total = new int[d];
    for (int u = 0; u < n; u++) {
      for (int v = 0; v < n; v++) {
        if (u != v) {
          SecretBytes s = MaskSeeds.pairwise(keys[u].privateKey(), keys[v].publicKey(), session);
          new MaskStream(s).addTo(total, 0, d, ids[u] > ids[v]);
        }
      }
    }
    assertThat(total).as("seed %d", seed).containsOnly(0);
  }

  @Test
  void s7_sameKeysInAnotherSession_giveUnrelatedSeeds() {
    X25519KeyPair a = X25519KeyPair.generate(new SecureRandom());
    X25519KeyPair b = X25519KeyPair.generate(new SecureRandom());
    byte[] s1 = new byte[32];
    byte[] s2 = new byte[32];
    s2[0] = 1;
    SecretBytes ab1 = MaskSeeds.pairwise(a.privateKey(), b.publicKey(), s1);
    SecretBytes ba1 = MaskSeeds.pairwise(b.privateKey(), a.publicKey(), s1);
    SecretBytes ab2 = MaskSeeds.pairwise(a.privateKey(), b.publicKey(), s2);
    assertThat(ab1.equalsConstantTime(ba1)).isTrue();
    assertThat(ab1.equalsConstantTime(ab2)).isFalse();
    assertThat(ab1.equalsConstantTime(MaskSeeds.shareKey(a.privateKey(), b.publicKey(), s1))).isFalse();
  }

  @Test
  void rebuiltPrivateScalar_givesTheAdvertisedPublicKey() {
    X25519KeyPair a = X25519KeyPair.generate(new SecureRandom());
    byte[] sk = PrimeField.toLittleEndian(a.privateScalar());
    assertThat(X25519KeyPair.publicKeyOf(sk)).isEqualTo(a.publicKey());
  }
}
