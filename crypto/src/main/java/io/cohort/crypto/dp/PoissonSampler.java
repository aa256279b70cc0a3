package io.cohort.crypto.dp;

import io.cohort.crypto.dp.internal.CtrDrbgStream;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The Poisson subsampling of DP-SGD: each step includes every record independently with
 * probability q. The accountants' amplification by subsampling assumes the sample is secret
 * randomness; a sample drawn from a seed anyone can know (the job's seed, a node id and a round
 * number are all known to the coordinator) lets the coordinator predict which records each step
 * used, and the amplified epsilon no longer holds. So a sampler for real training is keyed from
 * {@link SecureRandom} like {@link GaussianNoise}; only tests get a reproducible one.
 *
 * <p>Not thread-safe: one sampler a training loop.
 */
public final class PoissonSampler {
  private final CtrDrbgStream stream;

  private PoissonSampler(CtrDrbgStream stream) {
    this.stream = stream;
  }

  /** A sampler keyed from a new {@link SecureRandom}: unpredictable, never reproducible. */
  public static PoissonSampler secure() {
    return new PoissonSampler(CtrDrbgStream.create(new SecureRandom()));
  }

  /**
   * A reproducible sampler for tests and for experiments that claim no privacy. Its samples are
   * predictable by anyone who knows {@code seed}: never use it where an epsilon is reported.
   */
  public static PoissonSampler reproducibleForTests(long seed) {
    return new PoissonSampler(CtrDrbgStream.forTesting(seed, 0x5A3B1E));
  }

  /**
   * The indices in {@code [0, n)} included in one step's sample at rate {@code q}, ascending.
   *
   * @throws IllegalArgumentException when q is outside [0, 1] or n is negative
   */
  public int[] sample(int n, double q) {
    if (n < 0) {
      throw new IllegalArgumentException("record count must be >= 0, got " + n);
    }
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("sampling rate q must be in [0, 1], got " + q);
    }
    int[] picked = new int[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      // Uniform in [0, 1) with 53 bits: P(u < q) = q up to 2^-53.
      double u = (stream.nextLong() >>> 11) * 0x1.0p-53;
      if (u < q) {
        picked[k++] = i;
      }
    }
    return Arrays.copyOf(picked, k);
  }
}
