package io.cohort.crypto.dp.internal;

import java.math.BigInteger;

/**
 * Exact Bernoulli trials with rational and exp(-rational) probabilities from uniform integers
 * (Canonne, Kamath and Steinke 2020, Algorithm 1). No floating point is involved, so the
 * probabilities are exact.
 */
public final class ExactBernoulli {
  private final CtrDrbgStream rng;

  public ExactBernoulli(CtrDrbgStream rng) {
    this.rng = rng;
  }

  /** True with probability num/den exactly (0 <= num <= den, den > 0). */
  public boolean rational(BigInteger num, BigInteger den) {
    return uniformBelow(den).compareTo(num) < 0;
  }

  /** True with probability exp(-num/den) exactly (num >= 0, den > 0). */
  public boolean expMinus(BigInteger num, BigInteger den) {
    // exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))): one trial per factor.
    BigInteger[] qr = num.divideAndRemainder(den);
    for (BigInteger k = BigInteger.ZERO; k.compareTo(qr[0]) < 0; k = k.add(BigInteger.ONE)) {
      if (!expMinusAtMostOne(BigInteger.ONE, BigInteger.ONE)) {
        return false;
      }
    }
    return expMinusAtMostOne(qr[1], den);
  }

  /** CKS Algorithm 1 for gamma = num/den in [0, 1]: K is the first index with A_K = 0; accept iff K is odd. */
  private boolean expMinusAtMostOne(BigInteger num, BigInteger den) {
    long k = 1;
    while (rational(num, den.multiply(BigInteger.valueOf(k)))) {
      k++;
    }
    return (k & 1) == 1;
  }

  /** A uniform integer in [0, bound), by rejection (no modulo bias). */
  BigInteger uniformBelow(BigInteger bound) {
    if (bound.bitLength() < 63) {
      return BigInteger.valueOf(rng.nextLong(bound.longValue()));
    }
    int bits = bound.bitLength();
    byte[] bytes = new byte[(bits + 7) / 8 + 1];
    while (true) {
      for (int i = 1; i < bytes.length; i++) {
        bytes[i] = (byte) rng.nextInt();
      }
      bytes[0] = 0;
      int excess = 8 * (bytes.length - 1) - bits;
      bytes[1] &= (byte) (0xFF >>> excess);
      BigInteger v = new BigInteger(bytes);
      if (v.compareTo(bound) < 0) {
        return v;
      }
    }
  }
}
