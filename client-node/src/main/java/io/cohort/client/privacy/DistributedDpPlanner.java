package io.cohort.client.privacy;

import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.distributed.DistributedDpJob;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.proto.v1.PrivacySpec;

/**
 * A distributed-DP job (issue 19 #1, {@code privacy.mode: distributed}) as this node resolves it:
 * the codec parameters, derived exactly as the coordinator derives them (same public values, same
 * call), and the round's spend as the node's ledger records it.
 *
 * <p>The ledger (mechanism {@code poisson-gaussian}, RDP) records each round as one step at the job's
 * q with the noise multiplier {@link DistributedDpJob#ledgerNoiseMultiplier}: the sampled Gaussian at
 * that sigma has at least the distributed discrete Gaussian's RDP (KLS 2021 with Zhu–Wang 2019's
 * subsampling bound, {@code DistributedDpAccountant}) at every order the ledger converts from, so the
 * ledger over-counts the distributed rounds and composes them with everything else the dataset spent.
 * The entry's signed job-terms hash names the job, whose terms state the mode.
 */
public final class DistributedDpPlanner {
  private DistributedDpPlanner() {}

  /** Whether {@code spec} asks for distributed DP-SGD. */
  public static boolean distributed(JobSpec spec) {
    return spec.hasPrivacy() && spec.getPrivacy().getEnabled()
        && spec.getPrivacy().getMode() == PrivacyMode.PRIVACY_MODE_DISTRIBUTED;
  }

  /**
   * The job's codec for a model of {@code d} parameters (the coordinator's {@code DistributedDpRound.parameters}):
   * sigma leaves the noised evaluations this node charges beside the rounds out of the training share.
   */
  public static DistributedDpParameters codec(JobSpec spec, int d) throws DpParameterException {
    PrivacySpec p = spec.getPrivacy();
    return DistributedDpJob.resolve(p.getClipNorm(), p.getNoiseMultiplier(), p.getTargetEpsilon(), p.getDelta(),
        p.getSamplingRate(), spec.getRounds(), d, p.getMaxNodes(), p.getMinHonest(), p.getExpectedBatchSize(),
        DpPlanner.otherReleases(spec));
  }

  /** The plan the ledger records: q, the dominating sigma, C, one step per round. */
  public static DpPlan plan(JobSpec spec, int d) throws DpParameterException {
    DistributedDpParameters c = codec(spec, d);
    double q = spec.getPrivacy().getSamplingRate();
    double sigma = DistributedDpJob.ledgerNoiseMultiplier(c, q, RdpAccountant.create());
    return new DpPlan(q, sigma, c.clipNorm(), 1, Math.max(1, spec.getRounds()), DpSgdParams.Optimizer.SGD);
  }
}
