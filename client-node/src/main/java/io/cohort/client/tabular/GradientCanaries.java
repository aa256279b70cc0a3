package io.cohort.client.tabular;

import java.security.SecureRandom;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * White-box gradient canaries for a one-run privacy audit of {@link TabularDpSgd} (Steinke, Nasr and
 * Jagielski 2023, their white-box "Dirac canary" setting).
 *
 * <p>Canary j is a training record whose clipped gradient is the Dirac vector s_j * C * e_{c_j}:
 * the full clipping norm C on one trainable coordinate c_j, with sign s_j. The coordinates are
 * distinct and, with the signs, are drawn from a seeded generator (public: knowing them does not
 * help an attacker, the audit assumes the adversary knows them). Each canary is included with
 * probability 1/2 by a secret coin ({@link SecureRandom} in production) that never leaves the
 * node. An included canary is a record like any other: every step it is Poisson-sampled with the
 * job's rate q (from the same secret source, as the accountant assumes an unknown sample), its
 * gradient (norm exactly C, so no more sensitive than a clipped record) joins the clipped sum, and
 * the noise is added to the sum with it. It therefore spends the same privacy as a record.
 *
 * <p>Score: after the noise, the auditor (who, as DP assumes, knows the rest of the data and the
 * iterates) removes the data's clipped contribution on c_j and keeps s_j times the residual,
 * summed over all steps: C times the number of steps canary j was sampled, plus Gaussian noise of
 * stddev sigma * C * sqrt(steps). That is the alignment of the canary gradient with the
 * privatised update, the strongest score the DP-SGD analysis allows (it releases every noisy
 * sum), so a broken noise or sampling stage shows at once. It does not exercise the clipping of
 * real records (the canary gradient is clipped by construction).
 *
 * <p>Canaries never reach metrics: they are not rows of {@link EncodedData}, so losses, counts and
 * evaluations never see them.
 */
public final class GradientCanaries {
  private final int[] coordinate;
  private final float[] sign;
  private final boolean[] included;
  private final float clipNorm;
  private final Random sampling;
  private final double[] score;
  private final float[] clean;

  private GradientCanaries(int[] coordinate, float[] sign, boolean[] included, float clipNorm, Random sampling) {
    this.coordinate = coordinate;
    this.sign = sign;
    this.included = included;
    this.clipNorm = clipNorm;
    this.sampling = sampling;
    this.score = new double[coordinate.length];
    this.clean = new float[coordinate.length];
  }

  /** m canaries over {@code parameters} coordinates, coins from a new SecureRandom. */
  static GradientCanaries create(int m, int parameters, double clipNorm, long placementSeed) {
    return create(m, parameters, clipNorm, placementSeed, new SecureRandom());
  }

  /** As {@link #create(int, int, double, long)} with the given secret source (tests pass a seeded one). */
  static GradientCanaries create(int m, int parameters, double clipNorm, long placementSeed, Random secret) {
    if (m < 1 || m > parameters) {
      throw new IllegalArgumentException("canaries is " + m + "; expected 1 to " + parameters
          + " (one Dirac canary per trainable parameter of this model)");
    }
    SplittableRandom placement = new SplittableRandom(placementSeed);
    int[] perm = new int[parameters];
    for (int i = 0; i < parameters; i++) {
      perm[i] = i;
    }
    for (int i = parameters - 1; i > 0; i--) {
      int j = placement.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int[] coordinate = java.util.Arrays.copyOf(perm, m);
    float[] sign = new float[m];
    boolean[] included = new boolean[m];
    for (int j = 0; j < m; j++) {
      sign[j] = placement.nextBoolean() ? 1f : -1f;
      included[j] = secret.nextBoolean();
    }
    return new GradientCanaries(coordinate, sign, included, (float) clipNorm, secret);
  }

  public int size() {
    return coordinate.length;
  }

  /** Canary j's score so far (tests; never logged or sent). */
  double score(int j) {
    return score[j];
  }

  /** Remembers the clean clipped sum on the canary coordinates, then adds the sampled included canaries. */
  public void beforeNoise(float[] sum, double samplingRate) {
    for (int j = 0; j < coordinate.length; j++) {
      clean[j] = sum[coordinate[j]];
      if (included[j] && (samplingRate >= 1 || sampling.nextDouble() < samplingRate)) {
        sum[coordinate[j]] += sign[j] * clipNorm;
      }
    }
  }

  /** Adds this step's residual (privatised sum minus the data's clean part) along each canary. */
  public void afterNoise(float[] privatised) {
    for (int j = 0; j < coordinate.length; j++) {
      score[j] += sign[j] * ((double) privatised[coordinate[j]] - clean[j]);
    }
  }

  /**
   * Guesses "included" for the {@code guesses / 2} highest scores and "excluded" for the
   * {@code guesses - guesses / 2} lowest, and counts the right ones against the secret coins.
   */
  AuditCounts guess(int guesses) {
    int m = coordinate.length;
    if (guesses < 1 || guesses > m) {
      throw new IllegalArgumentException("guesses is " + guesses + "; expected 1 to " + m + " (the number of canaries)");
    }
    Integer[] order = new Integer[m];
    for (int j = 0; j < m; j++) {
      order[j] = j;
    }
    java.util.Arrays.sort(order, (a, b) -> a.equals(b) ? 0
        : score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
    int in = guesses / 2;
    int out = guesses - in;
    int correct = 0;
    for (int i = 0; i < in; i++) {
      correct += included[order[i]] ? 1 : 0;
    }
    for (int i = m - out; i < m; i++) {
      correct += included[order[i]] ? 0 : 1;
    }
    return new AuditCounts(m, guesses, correct);
  }

  /** The canary counts of one audit: m canaries, r guesses, v of them right. */
  record AuditCounts(int canaries, int guesses, int correct) {}
}
