package io.cohort.crypto.dp;

/** Tests only: reaches {@link GaussianNoise}'s package-private seeded stream from client-node's tests. */
public final class SeededNoise {
  private SeededNoise() {}

  public static GaussianNoise of(long seed) {
    return GaussianNoise.seededForTest(seed);
  }
}
