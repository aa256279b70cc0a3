package io.cohort.crypto.dp;

import io.cohort.crypto.dp.internal.CtrDrbgStream;
import io.cohort.crypto.dp.internal.ExactBernoulli;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Exact samples of the discrete Gaussian N_Z(0, sigma^2): P[X = x] proportional to
 * exp(-x^2 / (2 sigma^2)) for integers x. Canonne, Kamath and Steinke, "The Discrete Gaussian for
 * Differential Privacy" (NeurIPS 2020), Algorithm 3 (rejection from a discrete Laplace, itself
 * Algorithm 2, with Bernoulli(exp(-gamma)) by Algorithm 1).
 *
 * <p>Exactness: sigma^2 is held as an exact rational (the double given, converted without
 * rounding, or a numerator/denominator pair); all acceptance tests are done with integer
 * arithmetic on uniform integers, so the output distribution is exactly the discrete Gaussian
 * with that variance parameter, with no floating-point error, and runtime independent of
 * secrets up to the (public-parameter) number of rejection rounds.
 *
 * <p>Security guarantees: randomness is an AES-256-CTR stream keyed from {@link SecureRandom}.
 * Not thread-safe: one sampler per thread.
 */
public final class DiscreteGaussianSampler {
  private final BigInteger varNum;
  private final BigInteger varDen;
  private final long t;
  private final ExactBernoulli bern;
  private final CtrDrbgStream rng;

  private DiscreteGaussianSampler(BigInteger varNum, BigInteger varDen, CtrDrbgStream rng) {
    BigInteger g = varNum.gcd(varDen);
    this.varNum = varNum.divide(g);
    this.varDen = varDen.divide(g);
    // t = floor(sigma) + 1, with floor(sqrt(a/b)) = floor(sqrt(floor(a/b))).
    this.t = this.varNum.divide(this.varDen).sqrt().longValueExact() + 1;
    this.rng = rng;
    this.bern = new ExactBernoulli(rng);
  }

  /** A sampler with scale sigma (finite, > 0): the variance parameter is sigma*sigma, computed exactly. */
  public static DiscreteGaussianSampler create(double sigma) throws DpParameterException {
    return create(sigma, CtrDrbgStream.create(new SecureRandom()));
  }

  /**
   * A sampler whose variance parameter is exactly the rational {@code varNum / varDen} (both
   * positive, sigma^2 in (0, 1e18]): what distributed DP uses, where a node's share of an integer
   * total variance is that total divided by a node count, held without any rounding.
   */
  public static DiscreteGaussianSampler ofVariance(BigInteger varNum, BigInteger varDen) throws DpParameterException {
    return ofVariance(varNum, varDen, CtrDrbgStream.create(new SecureRandom()));
  }

  /**
   * As {@link #ofVariance(BigInteger, BigInteger)}, drawing from {@code stream}. Production code
   * must pass a stream from {@link CtrDrbgStream#create(SecureRandom)}; a
   * {@link CtrDrbgStream#forTesting} stream makes the noise predictable and is for tests only.
   */
  public static DiscreteGaussianSampler ofVariance(BigInteger varNum, BigInteger varDen, CtrDrbgStream stream)
      throws DpParameterException {
    if (varNum == null || varDen == null || varNum.signum() <= 0 || varDen.signum() <= 0) {
      throw new DpParameterException("variance", "the discrete Gaussian variance must be a positive rational, got "
          + varNum + "/" + varDen);
    }
    if (varNum.compareTo(varDen.multiply(BigInteger.TEN.pow(18))) > 0) {
      throw new DpParameterException("variance", "the discrete Gaussian variance must be at most 1e18, got "
          + varNum + "/" + varDen);
    }
    return new DiscreteGaussianSampler(varNum, varDen, stream);
  }

  /** Tests only: a reproducible sampler. */
  static DiscreteGaussianSampler seededForTest(double sigma, long seed) throws DpParameterException {
    return create(sigma, CtrDrbgStream.forTesting(seed, 7));
  }

  private static DiscreteGaussianSampler create(double sigma, CtrDrbgStream rng) throws DpParameterException {
    DpPreconditions.checkNoiseMultiplier(sigma);
    if (sigma > 1e9) {
      throw new DpParameterException("sigma", "sigma must be in (0, 1e9] for the discrete Gaussian, got " + sigma);
    }
    BigDecimal s = new BigDecimal(sigma); // exact binary value of the double
    BigDecimal v = s.multiply(s);
    BigInteger num = v.unscaledValue();
    BigInteger den = BigInteger.TEN.pow(Math.max(0, v.scale()));
    if (v.scale() < 0) {
      num = num.multiply(BigInteger.TEN.pow(-v.scale()));
    }
    return new DiscreteGaussianSampler(num, den, rng);
  }

  /** One sample. */
  public long sample() {
    BigInteger a = varNum;
    BigInteger b = varDen;
    BigInteger bt = b.multiply(BigInteger.valueOf(t));
    BigInteger gammaDen = BigInteger.TWO.multiply(a).multiply(b).multiply(BigInteger.valueOf(t * t));
    while (true) {
      long y = discreteLaplace();
      // gamma = (|y| - sigma^2/t)^2 / (2 sigma^2) = (|y| b t - a)^2 / (2 a b t^2)
      BigInteger diff = BigInteger.valueOf(Math.abs(y)).multiply(bt).subtract(a);
      if (bern.expMinus(diff.multiply(diff), gammaDen)) {
        return y;
      }
    }
  }

  /** Fills {@code out} with independent samples. */
  public void sample(long[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = sample();
    }
  }

  /** CKS Algorithm 2 with s = 1: P[Y = y] proportional to exp(-|y| / t). */
  private long discreteLaplace() {
    BigInteger tBig = BigInteger.valueOf(t);
    while (true) {
      long u = rng.nextLong(t);
      if (!bern.expMinus(BigInteger.valueOf(u), tBig)) {
        continue;
      }
      long v = 0;
      while (bern.expMinus(BigInteger.ONE, BigInteger.ONE)) {
        v++;
      }
      long x = u + t * v;
      boolean negative = (rng.nextInt() & 1) == 1;
      if (negative && x == 0) {
        continue;
      }
      return negative ? -x : x;
    }
  }
}
