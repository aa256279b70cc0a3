package io.cohort.client.tabular;

import java.util.SplittableRandom;

/** Test-only access to audits that production code cannot build: seeded coins, and the broken-noise switch. */
public final class TestAudits {
  private TestAudits() {}

  /**
   * A job audit with coins from {@code coinSeed} whose DP-SGD rounds add no noise (a deliberately
   * broken build, to show the audit catches it).
   */
  public static JobAudit brokenNoise(int canaries, int guesses, int parameters, double clipNorm, long placementSeed,
      long coinSeed) {
    return JobAudit.create(canaries, guesses, parameters, clipNorm, placementSeed,
        new java.util.Random(new SplittableRandom(coinSeed).nextLong())).brokenNoiseForTest();
  }
}
