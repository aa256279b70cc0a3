package io.cohort.client.privacy;

import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PldAccountant;
import io.cohort.crypto.dp.PrivacyAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacySpec;

/**
 * Resolves a job's {@link PrivacySpec} into this node's {@link DpPlan}: q from the job's rate or
 * expected batch size over the local training rows; steps per round from local_steps or
 * ceil(local_epochs / q); sigma as given, or the smallest sigma whose whole-job spend (rounds x
 * steps), composed with the job's noised evaluations (issue 19 #3) and feature statistics (issue 23 #2), meets the job's target epsilon at its delta
 * under the job's accountant. Deterministic:
 * the same spec and row count give the same plan, so every round of a job spends the same.
 */
public final class DpPlanner {
  private DpPlanner() {}

  public static DpPlan plan(JobSpec spec, long trainRows) throws DpParameterException {
    PrivacySpec p = spec.getPrivacy();
    if (!p.getEnabled()) {
      throw new DpParameterException("privacy", "job " + spec.getJobId() + " is not differentially private");
    }
    if (trainRows < 1) {
      throw new DpParameterException("trainRows", "DP-SGD needs at least one training row, got " + trainRows);
    }
    double q = p.getSamplingRate() > 0 ? p.getSamplingRate()
        : Math.min(1.0, (double) p.getExpectedBatchSize() / trainRows);
    if (!(q > 0)) {
      throw new DpParameterException("q", "the job gives neither sampling_rate nor expected_batch_size");
    }
    long steps = p.getLocalSteps() > 0 ? p.getLocalSteps()
        : (long) Math.ceil(Math.max(1, p.getLocalEpochs()) / q - 1e-9);
    int rounds = Math.max(1, spec.getRounds());
    // Issue 19 #3: the target is the whole job's, so the noised evaluations' charge is left out of DP-SGD's share.
    double sigma = p.getNoiseMultiplier() > 0 ? p.getNoiseMultiplier()
        : new SigmaCalibrator(accountant(p.getAccountant())).calibrate(otherReleases(spec), q, steps * rounds,
            p.getTargetEpsilon(), p.getDelta());
    DpSgdParams.Optimizer optimizer = p.getOptimizer() == DpOptimizer.DP_OPTIMIZER_SGD
        ? DpSgdParams.Optimizer.SGD : DpSgdParams.Optimizer.ADAM;
    return new DpPlan(q, sigma, p.getClipNorm(), steps, rounds, optimizer);
  }

  /**
   * What the job charges besides DP-SGD, for the calibration and the projected spend: its noised
   * evaluations (issue 19 #3) and its noised feature statistics (issue 23 #2); null when neither.
   */
  public static PrivacyPlan otherReleases(JobSpec spec) throws DpParameterException {
    PrivacyPlan out = EvaluationPrivacy.noised(spec) ? EvaluationPrivacy.wholeJob(spec) : null;
    if (StatisticsPrivacy.charged(spec)) {
      out = out == null ? StatisticsPrivacy.wholeJob(spec) : out.then(StatisticsPrivacy.wholeJob(spec));
    }
    return out;
  }

  /** The accountant a job names (RDP when unspecified). */
  public static PrivacyAccountant accountant(DpAccountant a) {
    return a == DpAccountant.DP_ACCOUNTANT_PLD ? PldAccountant.create() : RdpAccountant.create();
  }

  /** The accountant a node.yaml dataset names: "rdp" or "pld". */
  public static PrivacyAccountant accountant(String name) {
    return "pld".equals(name) ? PldAccountant.create() : RdpAccountant.create();
  }
}
