package io.cohort.client.tabular;

import io.cohort.crypto.dp.audit.OneRunAudit;
import io.cohort.proto.v1.AuditSummary;
import java.security.SecureRandom;
import java.util.Random;

/**
 * One node's one-run privacy audit of one federated job ({@code privacy.audit} in the job): the
 * white-box gradient canaries ({@link GradientCanaries}) live here for the whole job, so every
 * round's DP-SGD steps add to the same canaries' scores, and after each round the node can state a
 * bound for all the steps so far. The secret coins are drawn once, from {@link SecureRandom}, and
 * stay in this object (memory only: a node that restarts mid-job starts a new audit, whose bound
 * then covers only the rounds after the restart, still a valid lower bound for them).
 *
 * <p>Only {@link #summary} leaves the node: counts and the bound, never a coin or a score.
 */
public final class JobAudit {
  private final GradientCanaries canaries;
  private final int guesses;
  /** Tests only ({@link #brokenNoiseForTest}): DP-SGD skips its noise, to show the audit catches it. */
  private boolean skipNoiseForTest;
  private long steps;
  private int lastRound;

  private JobAudit(GradientCanaries canaries, int guesses) {
    this.canaries = canaries;
    this.guesses = guesses;
  }

  /**
   * @param parameters the model's trainable parameters (the canaries' coordinates are distinct)
   * @param canaryNorm the canary gradient's norm: the job's clipping norm C (1 for a job without DP)
   * @param placementSeed public seed of the coordinates and signs (the job's)
   * @throws IllegalArgumentException when m or r is out of range, in one line naming the field
   */
  public static JobAudit create(int canaries, int guesses, int parameters, double canaryNorm, long placementSeed) {
    return create(canaries, guesses, parameters, canaryNorm, placementSeed, new SecureRandom());
  }

  /** Tests only: a seeded coin source. */
  static JobAudit create(int canaries, int guesses, int parameters, double canaryNorm, long placementSeed,
      Random secret) {
    if (canaries < 1 || canaries > parameters) {
      throw new IllegalArgumentException("privacy.audit.canaries is " + canaries + "; this job's model has "
          + parameters + " trainable parameters, so at most " + parameters + " canaries (one per parameter)");
    }
    if (guesses < 1 || guesses > canaries) {
      throw new IllegalArgumentException("privacy.audit.guesses is " + guesses + "; expected 1 to " + canaries);
    }
    return new JobAudit(GradientCanaries.create(canaries, parameters, canaryNorm, placementSeed, secret), guesses);
  }

  /**
   * Tests only: this audit's DP-SGD rounds skip the noise whatever sigma says (a deliberately broken
   * build). Package-private like {@link TabularDpSgd}'s switch: no job, configuration or flag reaches it.
   */
  JobAudit brokenNoiseForTest() {
    skipNoiseForTest = true;
    return this;
  }

  boolean skipNoiseForTest() {
    return skipNoiseForTest;
  }

  /** The canaries, for the training loop of {@code round} with {@code steps} steps. */
  public GradientCanaries forRound(int round, long roundSteps) {
    steps += roundSteps;
    lastRound = Math.max(lastRound, round);
    return canaries;
  }

  /** Steps audited so far. */
  public long steps() {
    return steps;
  }

  /**
   * Guesses, counts and bounds now, over every step so far.
   *
   * @param delta the delta of the bound (the job's)
   * @param accountedEpsilon the accountant's epsilon for the same steps at delta, or NaN for a job without DP
   */
  public AuditSummary summary(double delta, double accountedEpsilon) {
    GradientCanaries.AuditCounts c = canaries.guess(guesses);
    double bound = OneRunAudit.epsilonLowerBound(c.canaries(), c.guesses(), c.correct(), delta,
        CanaryAudit.CONFIDENCE);
    AuditSummary.Builder b = AuditSummary.newBuilder().setCanaries(c.canaries()).setGuesses(c.guesses())
        .setCorrect(c.correct()).setEpsilonLowerBound(bound).setDelta(delta).setConfidence(CanaryAudit.CONFIDENCE)
        .setRound(lastRound).setSteps(steps);
    if (!Double.isNaN(accountedEpsilon)) {
      b.setAccountedEpsilon(accountedEpsilon);
    }
    return b.build();
  }
}
