package io.cohort.client.privacy;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.ledger.Spend;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Standardize;
import io.cohort.wire.NoisedStatistics;
import io.cohort.wire.StatisticsWords;

/**
 * Issue 23 #2 under DP: the Gaussian mechanism on a node's federated feature statistics, applied before
 * they are masked into secure aggregation, and its charge to the node's ledger.
 *
 * <p>The node clamps each numeric value to its column's public range (the trainer does, see
 * {@link NoisedStatistics}), centres the sums on the range's middle and adds N(0, (z·S·b)²) to each
 * statistic of per-row bound b, S the L2 sensitivity of the normalised statistics. One release is one
 * step of the Gaussian mechanism without subsampling (q = 1) with noise multiplier z over clip S,
 * recorded at round 0 as mechanism {@link Spend#STATISTICS_MECHANISM}; the dataset's accountant
 * composes it with the DP-SGD and evaluation entries, and a target epsilon's calibration leaves it out
 * of DP-SGD's share ({@link DpPlanner}).
 *
 * <p>Record level only: under {@code privacy.unit} a person's rows together could change the counts by
 * more than 1, which this mechanism does not bound, so such a job is refused ({@link #checkUnit}).
 */
public final class StatisticsPrivacy {
  /** The ledger round of the statistics release: training rounds count from 1. */
  public static final int ROUND = 0;

  private StatisticsPrivacy() {}

  /** Whether {@code spec} releases noised feature statistics charged to the ledger. */
  public static boolean charged(JobSpec spec) {
    return PrivacyGuard.isPrivate(spec) && spec.hasTabular()
        && spec.getTabular().getStandardize() == Standardize.STANDARDIZE_FEDERATED
        && !DistributedDpPlanner.distributed(spec);
  }

  /** The job's z. */
  public static double noiseMultiplier(JobSpec spec) {
    return NoisedStatistics.noiseMultiplier(spec.getTabular(), spec.getPrivacy().getStatisticsNoiseMultiplier());
  }

  /** Refuses a per-person job: its statistics' sensitivity is not bounded by one row. */
  static void checkUnit(JobSpec spec) throws RoundRefusedException {
    if (PrivacyUnits.perPerson(spec)) {
      throw new RoundRefusedException("privacy: job " + spec.getJobId() + " has privacy.unit '" + PrivacyUnits.of(spec)
          + "' and standardize federated; noised feature statistics bound one row, not one person's rows, so this"
          + " node refuses them (use standardize: local)");
    }
  }

  /** The ledger spend of the release. */
  static Spend spend(JobSpec spec) throws DpParameterException {
    double s = NoisedStatistics.sensitivity(spec.getTabular());
    return Spend.of(spec.getJobId(), ROUND, 1.0, noiseMultiplier(spec), s, 1)
        .withMechanism(Spend.STATISTICS_MECHANISM).withUnit(PrivacyUnits.of(spec));
  }

  /** The release as a plan, for the projected spend of an offer and the calibration of sigma. */
  static PrivacyPlan wholeJob(JobSpec spec) throws DpParameterException {
    return PrivacyPlan.of(java.util.List.of(PlanSegment.of(1.0, noiseMultiplier(spec), 1)));
  }

  /**
   * What leaves the node (masked): {@code clamped} (statistics of values clamped to the ranges), centred,
   * with the mechanism's noise, in {@link StatisticsWords}'s flat order.
   *
   * @throws IllegalArgumentException when a numeric column has no range (the message names the field)
   */
  public static double[] privatise(JobSpec spec, FederationStatistics clamped, GaussianNoise noise)
      throws DpParameterException {
    var t = spec.getTabular();
    double[] bounds = NoisedStatistics.bounds(t);
    double[] out = NoisedStatistics.centre(t, StatisticsWords.flatten(t, clamped));
    double sigma = noiseMultiplier(spec) * NoisedStatistics.sensitivity(t);
    float[] unit = noise.sample(out.length, 1.0);
    for (int i = 0; i < out.length; i++) {
      out[i] += (double) unit[i] * sigma * bounds[i];
    }
    return out;
  }
}
