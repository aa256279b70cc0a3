package io.cohort.coordinator.job;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PldAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.Standardize;
import io.cohort.wire.NoisedStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Issue 23 #7: a private job's DP-SGD plan in one line, as a node will resolve it (the node's
 * {@code DpPlanner} is the authority: it calibrates its own sigma and may decline): Poisson rate q,
 * noise multiplier sigma, clip norm C, steps per round and in all. Where q depends on a node's row
 * count (expected_batch_size) and that count is not known here, the line says so instead of a number.
 */
public final class DpPlanLine {
  private DpPlanLine() {}

  /**
   * @param trainRows a node's training rows when known (e.g. a simulation's shard), else empty
   * @return "" for a non-private job
   */
  public static String describe(JobSpec spec, OptionalLong trainRows) {
    PrivacySpec p = spec.getPrivacy();
    if (!p.getEnabled()) {
      return "";
    }
    int rounds = Math.max(1, spec.getRounds());
    if (p.getMode() == PrivacyMode.PRIVACY_MODE_DISTRIBUTED) {
      return distributed(spec, rounds);
    }
    double q;
    if (p.getSamplingRate() > 0) {
      q = p.getSamplingRate();
    } else if (trainRows.isPresent() && trainRows.getAsLong() > 0) {
      q = Math.min(1.0, (double) p.getExpectedBatchSize() / trainRows.getAsLong());
    } else {
      return String.format(Locale.ROOT, "q = %d / each node's training rows, steps per round from local_epochs / q,"
          + " sigma calibrated by each node to epsilon %s at delta %s over %d rounds, C %s", p.getExpectedBatchSize(),
          p.getTargetEpsilon(), p.getDelta(), rounds, p.getClipNorm());
    }
    long steps = p.getLocalSteps() > 0 ? p.getLocalSteps()
        : (long) Math.ceil(Math.max(1, p.getLocalEpochs()) / q - 1e-9);
    String sigma;
    if (p.getNoiseMultiplier() > 0) {
      sigma = "sigma " + num(p.getNoiseMultiplier()) + " (given)";
    } else {
      try {
        double s = new SigmaCalibrator(p.getAccountant() == DpAccountant.DP_ACCOUNTANT_PLD ? PldAccountant.create()
            : RdpAccountant.create()).calibrate(otherReleases(spec), q, steps * rounds, p.getTargetEpsilon(),
            p.getDelta());
        sigma = String.format(Locale.ROOT, "sigma %s (for epsilon %s at delta %s)", num(s), p.getTargetEpsilon(),
            p.getDelta());
      } catch (DpParameterException e) {
        sigma = "sigma: cannot be calibrated (" + e.getMessage() + ")";
      }
    }
    return String.format(Locale.ROOT, "q %s, %s, C %s, %d steps per round, %d in all", num(q), sigma, p.getClipNorm(),
        steps, steps * rounds) + statistics(spec);
  }

  /**
   * A distributed-DP job: one DP-SGD step a round over all nodes' units. Its sigma depends on the model's
   * size (the codec's dimension), which the job file does not state: the coordinator resolves it when the
   * first round starts and logs its "distributed-DP plan", and every node derives the same.
   */
  private static String distributed(JobSpec spec, int rounds) {
    PrivacySpec p = spec.getPrivacy();
    String sigma = p.getNoiseMultiplier() > 0 ? "sigma " + num(p.getNoiseMultiplier()) + " (given)"
        : String.format(Locale.ROOT, "sigma calibrated to epsilon %s at delta %s%s from the model's size when the"
            + " first round starts (the coordinator logs its distributed-DP plan)", p.getTargetEpsilon(), p.getDelta(),
            evaluationsNoised(spec) ? " with the noised evaluations counted" : "");
    return String.format(Locale.ROOT, "distributed: q %s of each node's units, one DP-SGD step a round over all nodes"
        + " (%d in all), expected batch %s, %s, C %s, at least %d honest of %d nodes", num(p.getSamplingRate()),
        rounds, num(p.getExpectedBatchSize()), sigma, p.getClipNorm(), p.getMinHonest(), p.getMaxNodes());
  }

  /**
   * Whether a node noises and charges the job's evaluations (as the node's EvaluationPrivacy.noised), in
   * local and distributed mode alike.
   */
  private static boolean evaluationsNoised(JobSpec spec) {
    return !spec.getPrivacy().getPublicValidation();
  }

  /** Whether a node noises and charges the job's federated feature statistics (issue 23 #2). */
  private static boolean statisticsNoised(JobSpec spec) {
    return spec.hasTabular() && spec.getTabular().getStandardize() == Standardize.STANDARDIZE_FEDERATED
        && spec.getPrivacy().getMode() != PrivacyMode.PRIVACY_MODE_DISTRIBUTED;
  }

  private static double statisticsZ(JobSpec spec) {
    return NoisedStatistics.noiseMultiplier(spec.getTabular(), spec.getPrivacy().getStatisticsNoiseMultiplier());
  }

  /**
   * What a node charges besides DP-SGD, as its DpPlanner leaves it out of DP-SGD's share of the target: the
   * noised evaluations (one a round, sigma_e over sensitivity sqrt 3) and the noised feature statistics.
   */
  public static PrivacyPlan otherReleases(JobSpec spec) throws DpParameterException {
    List<PlanSegment> segments = new ArrayList<>();
    if (evaluationsNoised(spec)) {
      double sigmaE = spec.getPrivacy().getEvaluationNoiseMultiplier() > 0
          ? spec.getPrivacy().getEvaluationNoiseMultiplier() : PrivacyBlock.DEFAULT_EVALUATION_NOISE;
      segments.add(PlanSegment.of(1.0, sigmaE / Math.sqrt(3), Math.max(1, spec.getRounds())));
    }
    if (statisticsNoised(spec)) {
      segments.add(PlanSegment.of(1.0, statisticsZ(spec), 1));
    }
    return segments.isEmpty() ? null : PrivacyPlan.of(segments);
  }

  /** "; feature statistics ..." for a job whose statistics are noised, else "". */
  private static String statistics(JobSpec spec) {
    if (!statisticsNoised(spec)) {
      return "";
    }
    double z = statisticsZ(spec);
    String alone;
    try {
      alone = String.format(Locale.ROOT, "epsilon %.4f alone",
          RdpAccountant.create().epsilon(PrivacyPlan.of(1.0, z, 1), spec.getPrivacy().getDelta()).epsilon());
    } catch (DpParameterException e) {
      alone = "epsilon unknown (" + e.getMessage() + ")";
    }
    return String.format(Locale.ROOT, "; feature statistics noised once before round 1 (Gaussian, noise multiplier"
        + " %s over sensitivity %s, %s, charged as gaussian-statistics)", num(z),
        num(NoisedStatistics.sensitivity(spec.getTabular())), alone);
  }

  /** Four significant digits, without trailing zeros (q 1, not 1.000). */
  private static String num(double v) {
    return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
