package io.cohort.client.tabular;

import io.cohort.client.tabular.GradientCanaries.AuditCounts;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.crypto.dp.audit.OneRunAudit;
import io.cohort.wire.TensorBundle;
import java.security.SecureRandom;
import java.util.Random;

/**
 * A DP-SGD run of the MLP with a one-run privacy audit: m white-box gradient canaries
 * ({@link GradientCanaries}) go into the training, each in with a secret coin; afterwards the
 * canaries are scored, r of them guessed, and the count of right guesses turned into a lower bound
 * on epsilon at 95 % ({@link OneRunAudit}). Only the counts and the bound come out: the coins and
 * scores stay in this object's stack frame and are never logged.
 */
public final class CanaryAudit {
  /** Confidence of the reported bound. */
  public static final double CONFIDENCE = 0.95;

  private CanaryAudit() {}

  /** What the audit of one run found: safe to print and to send (no coin, score or record). */
  public record Report(int canaries, int guesses, int correct, double delta, double confidence,
      double epsilonLowerBound) {}

  /** The trained model (canaries included in its training) and the audit's report. */
  public record Outcome(TrainResult training, Report report) {}

  /**
   * Trains as {@link TabularDpSgd#train} does, with {@code canaries} gradient canaries, and audits.
   *
   * @param guesses r, split into r/2 "included" guesses (highest scores) and the rest "excluded"
   * @param delta the delta at which the bound is stated (the job's)
   * @throws IllegalArgumentException when canaries or guesses are out of range (one-line message)
   */
  public static Outcome train(TensorBundle start, EncodedData data, DpSgdParams p, long seed, GaussianNoise noise,
      int canaries, int guesses, double delta) {
    return train(start, data, p, seed, noise, canaries, guesses, delta, new SecureRandom(), false);
  }

  /** Tests only: a seeded coin source, and the broken-noise switch (see {@link TabularDpSgd}). */
  static Outcome train(TensorBundle start, EncodedData data, DpSgdParams p, long seed, GaussianNoise noise,
      int canaries, int guesses, double delta, Random secret, boolean skipNoiseForTest) {
    int parameters = 0;
    for (var t : start.tensors()) {
      parameters += t.values().length;
    }
    if (guesses < 1 || guesses > canaries) {
      throw new IllegalArgumentException("guesses is " + guesses + "; expected 1 to " + canaries
          + " (at most one guess per canary)");
    }
    GradientCanaries c = GradientCanaries.create(canaries, parameters, p.clipNorm(), placementSeed(seed), secret);
    TrainResult r = TabularDpSgd.train(start, data, p, PoissonSampler.secure(), noise, c, skipNoiseForTest);
    AuditCounts counts = c.guess(guesses);
    double bound = OneRunAudit.epsilonLowerBound(counts.canaries(), counts.guesses(), counts.correct(), delta,
        CONFIDENCE);
    return new Outcome(r, new Report(counts.canaries(), counts.guesses(), counts.correct(), delta, CONFIDENCE, bound));
  }

  private static long placementSeed(long seed) {
    long z = seed + 0x9E3779B97F4A7C15L * 31;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
