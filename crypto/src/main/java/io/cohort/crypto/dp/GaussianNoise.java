package io.cohort.crypto.dp;

import io.cohort.crypto.dp.internal.CtrDrbgStream;
import io.cohort.crypto.dp.internal.Ziggurat;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Gaussian noise for DP-SGD: adds i.i.d. N(0, stddev^2) to every element of a float vector.
 * For DP-SGD, {@code stddev = sigma * C} (noise multiplier times clipping norm), added once to
 * the sum of clipped per-example gradients.
 *
 * <p>Security guarantees: every call draws a fresh 256-bit key from {@link SecureRandom} for an
 * AES-256-CTR stream (never {@code java.util.Random}), so noise is unpredictable and
 * independent across calls, threads and processes. Samples come from a 128-layer ziggurat at float
 * precision. Privacy guarantees: the mechanism is the Gaussian mechanism analysed by the
 * accountants of this package, up to floating-point representation of the noise (the scale is
 * rounded up, never down; see {@code io.cohort.crypto.dp.internal.Ziggurat}). Thread-safe;
 * vectors above one million elements are filled in parallel on the common fork-join pool, each
 * slice with its own stream.
 *
 * <p>Cost (docs/benchmarks.md, a shared 2-core VM): the AES-CTR keystream is about 0.4 ns a
 * sample (AES-NI), the ziggurat about 4 ns a sample on one core, so 10M floats take about 35 ms
 * on two cores. A small vector pays the cipher set-up, about 9 us: 2050 floats (the credit MLP's
 * parameters) take 20 to 30 us, the keystream buffer being sized to the vector.
 */
public final class GaussianNoise {
  private static final int PARALLEL_THRESHOLD = 1 << 20;
  private static final int SLICE = 1 << 20;
  /** Uniforms drawn per bulk request (see {@code Ziggurat.addScaled}). */
  private static final int CHUNK = 4096;
  private final SecureRandom seedSource;
  private final long testSeed;
  private final boolean seeded;
  private final AtomicLong seededCalls = new AtomicLong();

  private GaussianNoise(SecureRandom seedSource, long testSeed, boolean seeded) {
    this.seedSource = seedSource;
    this.testSeed = testSeed;
    this.seeded = seeded;
  }

  /** Noise keyed from a new {@link SecureRandom} (the platform's strongest default). */
  public static GaussianNoise create() {
    return new GaussianNoise(new SecureRandom(), 0, false);
  }

  /** Tests only: reproducible, predictable noise. Package-private on purpose. */
  static GaussianNoise seededForTest(long seed) {
    return new GaussianNoise(null, seed, true);
  }

  /** Adds N(0, stddev^2) to each element of {@code values} in place; stddev in [0, inf). */
  public void addNoise(float[] values, double stddev) throws DpParameterException {
    DpPreconditions.checkStddev(stddev);
    int slices = (values.length + SLICE - 1) / SLICE;
    // Seeded (test) streams differ per call and per slice, as real ones do.
    int call = seeded ? (int) seededCalls.getAndIncrement() : 0;
    if (values.length < PARALLEL_THRESHOLD) {
      addSlice(values, 0, values.length, stddev, call << 16);
      return;
    }
    IntStream.range(0, slices).parallel().forEach(s -> {
      int from = s * SLICE;
      addSlice(values, from, Math.min(SLICE, values.length - from), stddev, (call << 16) + s);
    });
  }

  /** A new vector of {@code n} samples of N(0, stddev^2). */
  public float[] sample(int n, double stddev) throws DpParameterException {
    float[] out = new float[n];
    addNoise(out, stddev);
    return out;
  }

  private void addSlice(float[] values, int from, int len, double stddev, int sliceIndex) {
    if (len == 0) {
      return;
    }
    // 4 bytes a sample plus the ~3% slow-path draws: small vectors get small buffers.
    int bytes = (int) Math.min(CtrDrbgStream.MAX_BUFFER_BYTES, 4L * len + len / 4 + 64);
    CtrDrbgStream rng;
    if (seeded) {
      rng = CtrDrbgStream.forTesting(testSeed, sliceIndex, bytes);
    } else {
      synchronized (seedSource) {
        rng = CtrDrbgStream.create(seedSource, bytes);
      }
    }
    Ziggurat.addScaled(values, from, len, stddev, rng, new int[Math.min(len, CHUNK)]);
  }
}
