package io.cohort.crypto.dp.distributed;

import io.cohort.crypto.dp.DiscreteGaussianSampler;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.internal.CtrDrbgStream;
import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * A node's side of one distributed-DP round (Kairouz, Liu and Steinke 2021, Algorithm 1, the
 * client procedure), per sampled unit rather than per client:
 *
 * <ol>
 *   <li>each unit's clipped gradient (norm &lt;= C; re-clipped here against float error) is
 *       rotated ({@link RandomizedHadamard}, the round's public seed), scaled by s = 1/gamma and
 *       rounded by <em>conditional randomized rounding</em>: every coordinate is rounded up with
 *       probability equal to its fractional part, and the whole draw is repeated until the
 *       integer vector's squared norm is at most {@link DistributedDpParameters#roundedNormBoundSquared()}
 *       (checked exactly, in integers);
 *   <li>the node adds the rounded vectors of its units (the sum over its Poisson sample);
 *   <li>{@link #finish()} adds the node's share of discrete Gaussian noise, variance
 *       totalVariance / (k - t) for k contributing nodes (the top-up), and reduces mod 2^bits.
 * </ol>
 *
 * <p>Why per unit: the privacy unit is one person/record, and the sum's sensitivity to it is that
 * unit's own rounded vector, whose norm the conditional rounding bounds with certainty. Rounding
 * the node's summed gradient once (as KLS do for a client's single vector) would not bound how much
 * one unit moves the rounded sum beyond ||g|| + 2 sqrt(D). Whether a unit is present does not
 * change the other units' rounding, so the released sum is a mixture of shifts by at most Delta_2.
 *
 * <p>Security: rounding coins and noise come from AES-CTR streams keyed from {@link SecureRandom}
 * (a fresh pair per round); the noise is the exact discrete Gaussian with a rational variance (no
 * floating point). Not thread-safe; one encoder per round.
 */
public final class DistributedDpEncoder {
  /** Conditional rounding fails with probability <= beta per try; this many failures means a bug. */
  static final int MAX_ROUNDING_TRIES = 10_000;
  private final DistributedDpParameters params;
  private final RandomizedHadamard rotation;
  private final CtrDrbgStream roundingCoins;
  private final DiscreteGaussianSampler noise;
  private final long[] acc;
  private int units;
  private long roundingRetries;
  private boolean finished;

  private DistributedDpEncoder(DistributedDpParameters params, RandomizedHadamard rotation, int contributors,
      CtrDrbgStream roundingCoins, CtrDrbgStream noiseStream) throws DpParameterException {
    BigInteger[] share = params.shareVariance(contributors); // refuses k below the floor
    this.params = params;
    this.rotation = rotation;
    this.roundingCoins = roundingCoins;
    this.noise = DiscreteGaussianSampler.ofVariance(share[0], share[1], noiseStream);
    this.acc = new long[params.paddedDimension()];
  }

  /**
   * Starts a round in which {@code contributors} nodes (this one included) take part.
   *
   * <p>{@code contributors} must be a lower bound on the number of inputs that can end up in the
   * released sum, taken from terms this node has verified (not the coordinator's say-so): a node
   * that drops out after sending its masked input takes its noise share with it, so with SecAgg
   * the safe value is the unmasking threshold (the fewest survivors the coordinator can unmask),
   * not the cohort size. A smaller count only adds noise.
   *
   * @param rotationSeed the round's public rotation seed, the same at every node and the server
   * @throws DpParameterException ("contributors") when the count is below this node's floor or
   *     above the job's node count: the node must then refuse the round and record nothing
   */
  public static DistributedDpEncoder begin(DistributedDpParameters params, byte[] rotationSeed, int contributors)
      throws DpParameterException {
    SecureRandom random = new SecureRandom();
    return new DistributedDpEncoder(params, new RandomizedHadamard(params.dimension(), rotationSeed), contributors,
        CtrDrbgStream.create(random), CtrDrbgStream.create(random));
  }

  /** Tests only: reproducible coins and noise. */
  static DistributedDpEncoder seededForTest(DistributedDpParameters params, byte[] rotationSeed, int contributors,
      long seed) throws DpParameterException {
    return new DistributedDpEncoder(params, new RandomizedHadamard(params.dimension(), rotationSeed), contributors,
        CtrDrbgStream.forTesting(seed, 101), CtrDrbgStream.forTesting(seed, 102));
  }

  /** Adds one sampled unit's clipped gradient (length d, finite values). */
  public void addUnit(float[] clippedGradient) {
    if (finished) {
      throw new IllegalStateException("the round's vector was already finished");
    }
    for (int i = 0; i < clippedGradient.length; i++) {
      if (!Float.isFinite(clippedGradient[i])) {
        throw new IllegalArgumentException("gradient value " + i + " is " + clippedGradient[i]);
      }
    }
    double[] y = rotation.forward(clippedGradient);
    double norm = 0;
    for (double v : y) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    // KLS Algorithm 1 clips first; the rotation keeps the norm up to float error, which this absorbs.
    double f = params.scale() * Math.min(1, params.clipNorm() / Math.max(norm, Double.MIN_NORMAL));
    for (int i = 0; i < y.length; i++) {
      y[i] *= f;
    }
    long[] z = conditionalRound(y);
    for (int i = 0; i < z.length; i++) {
      acc[i] += z[i];
    }
    units++;
  }

  /** Rounds until ||z||^2 <= the exact integer bound (KLS Section 4.1, conditional randomized rounding). */
  private long[] conditionalRound(double[] y) {
    long bound = params.roundedNormBoundSquared();
    long[] z = new long[y.length];
    for (int attempt = 0; attempt < MAX_ROUNDING_TRIES; attempt++) {
      long sq = 0;
      boolean over = false;
      for (int i = 0; i < y.length; i++) {
        double fl = Math.floor(y[i]);
        long v = (long) fl;
        if (roundingCoins.nextOpenDouble() < y[i] - fl) {
          v++;
        }
        z[i] = v;
        if (!over) {
          try {
            sq = Math.addExact(sq, Math.multiplyExact(v, v));
          } catch (ArithmeticException e) {
            over = true;
          }
          over |= sq > bound;
        }
      }
      if (!over) {
        return z;
      }
      roundingRetries++;
    }
    throw new IllegalStateException("conditional rounding failed " + MAX_ROUNDING_TRIES
        + " times: the parameters' norm bound does not fit the clip norm");
  }

  /** Units added so far. */
  public int units() {
    return units;
  }

  /** How many rounding draws were rejected (for diagnostics; about beta per unit at most). */
  public long roundingRetries() {
    return roundingRetries;
  }

  /**
   * Adds this node's noise share and reduces mod 2^bits: D words (two's complement, the low
   * {@code bits} bits meaningful), ready to be masked and summed in Z_2^32.
   */
  public int[] finish() {
    if (finished) {
      throw new IllegalStateException("the round's vector was already finished");
    }
    finished = true;
    int[] out = new int[acc.length];
    long mask = params.modulus() - 1;
    for (int i = 0; i < acc.length; i++) {
      out[i] = (int) ((acc[i] + noise.sample()) & mask);
      acc[i] = 0;
    }
    return out;
  }
}
