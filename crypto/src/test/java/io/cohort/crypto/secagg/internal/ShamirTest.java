package io.cohort.crypto.secagg.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Shamir sharing: docs/secagg-scenarios.md C4 parse-time checks and the t-of-n property (a property-based test of protocol invariants). */
class ShamirTest {

  @Test
  void c4_index0_negativeIndex_nonCanonical_wrongLength_rejectedAtParse() {
    byte[] ok = new ShamirShare(5, BigInteger.TWO).encode();
    assertThat(ShamirShare.parse(ok).index()).isEqualTo(5);
    byte[] zero = ok.clone();
    zero[3] = 0;
    assertThatThrownBy(() -> ShamirShare.parse(zero)).hasMessageContaining("index must be in [1, 2^31-1], got 0");
    byte[] negative = ok.clone();
    negative[0] = (byte) 0x80;
    assertThatThrownBy(() -> ShamirShare.parse(negative)).hasMessageContaining("index");
    byte[] atP = ok.clone();
    System.arraycopy(PrimeField.toLittleEndian(PrimeField.P.subtract(BigInteger.ONE)), 0, atP, 4, 32);
    atP[4] += 1; // p itself: p - 1 with the low byte incremented (no carry: p - 1 ends in 0xec)
    assertThatThrownBy(() -> ShamirShare.parse(atP)).hasMessageContaining("not canonical");
    byte[] allOnes = ok.clone();
    java.util.Arrays.fill(allOnes, 4, 36, (byte) 0xff);
    assertThatThrownBy(() -> ShamirShare.parse(allOnes)).hasMessageContaining("not canonical");
    assertThatThrownBy(() -> ShamirShare.parse(new byte[35])).hasMessageContaining("36 bytes, got 35");
    assertThatThrownBy(() -> ShamirShare.parse(new byte[37])).hasMessageContaining("36 bytes, got 37");
    assertThatThrownBy(() -> ShamirShare.parse(null)).hasMessageContaining("none");
  }

  @Test
  void c4_duplicateIndices_rejectedBeforeLagrange() {
    List<ShamirShare> s = Shamir.split(BigInteger.TEN, 2, new int[] {1, 2, 3}, new SecureRandom());
    assertThatThrownBy(() -> Shamir.combine(List.of(s.get(0), s.get(0)))).hasMessageContaining("duplicate share index 1");
    assertThatThrownBy(() -> Shamir.split(BigInteger.TEN, 2, new int[] {1, 1}, new SecureRandom()))
        .hasMessageContaining("duplicate");
  }

  @Test
  void toString_neverShowsTheValue() {
    ShamirShare s = new ShamirShare(3, new BigInteger("123456789123456789"));
    assertThat(s.toString()).doesNotContain("123456789").contains("redacted");
    assertThat(SecretBytes.wrap(new byte[] {42, 42}).toString()).doesNotContain("42");
  }

  /** Any t of n shares rebuild the secret; t - 1 give a value unrelated to it (a random polynomial). */
  @Property(tries = 60)
  void anyTSharesReconstruct_fewerDoNot(@ForAll @IntRange(min = 2, max = 30) int n,
      @ForAll @IntRange(min = 1, max = 30) int tRaw, @ForAll long seed) {
    int t = Math.min(tRaw, n);
    Random r = new Random(seed);
    BigInteger secret = new BigInteger(254, r);
    int[] xs = r.ints(1, 1 << 30).distinct().limit(n).toArray();
    // Only the shares' coefficients come from this source: a seeded stand-in keeps the property reproducible.
    SecureRandom coeffs = new SecureRandom();
    List<ShamirShare> shares = new ArrayList<>(Shamir.split(secret, t, xs, coeffs));
    Collections.shuffle(shares, r);
    assertThat(Shamir.combine(shares.subList(0, t))).isEqualTo(secret);
    assertThat(Shamir.combine(shares)).isEqualTo(secret);
    if (t > 1) {
      assertThat(Shamir.combine(shares.subList(0, t - 1))).isNotEqualTo(secret);
    }
  }

  @Test
  void robustCombine_skipsAWrongShare_andBlamesIt() {
    BigInteger secret = BigInteger.valueOf(777);
    List<ShamirShare> s = new ArrayList<>(Shamir.split(secret, 3, new int[] {2, 4, 6, 8, 10}, new SecureRandom()));
    s.set(0, new ShamirShare(2, s.get(0).value().add(BigInteger.ONE).mod(PrimeField.P)));
    var r = Shamir.robustCombine(s, 3, secret::equals).orElseThrow();
    assertThat(r.secret()).isEqualTo(secret);
    assertThat(r.blamedIndices()).containsExactly(2);
    assertThat(Shamir.robustCombine(s.subList(0, 3), 3, secret::equals)).isEmpty();
  }
}
