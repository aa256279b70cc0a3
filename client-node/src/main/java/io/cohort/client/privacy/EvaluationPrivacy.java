package io.cohort.client.privacy;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.ledger.Spend;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;

/**
 * Issue 19 #3: the Gaussian mechanism on a node's evaluation statistics, applied where they leave the node
 * under DP, and its charge to the node's ledger.
 *
 * <p>What one privacy unit (a record, or under {@code privacy.unit} one person, who then counts with one
 * validation row) can change in an {@link EvaluationResult}: one score-histogram bin by 1, {@code num_correct}
 * by 1 and {@code loss_sum} by at most {@link #LOSS_CAP} (the evaluators cap each record's loss there). Each
 * of these gets Gaussian noise scaled to its own bound (sigma_e on a count, sigma_e x {@link #LOSS_CAP} on the
 * loss sum), so the released vector, divided by those bounds, is the Gaussian mechanism with L2 sensitivity
 * {@link #SENSITIVITY} = sqrt(3) and noise sigma_e. {@code num_examples} is the sum of the noisy histogram
 * (post-processing, no further charge). Before the noise the 1000-bin histograms are summed into
 * {@link #COARSE_BINS} bins of width 0.1 (each count then placed in the middle fine bin of its group, so the
 * wire format and the coordinator's pooling stay as they are): noise per bin would otherwise swamp them.
 * Making the noisy bins non-negative whole counts is post-processing too: per class the noisy total is
 * kept (it is unbiased) and the bins are projected onto non-negative counts with that total
 * ({@link NonNegativeCounts}), not clamped bin by bin at 0, which inflated the counts of sparse histograms.
 *
 * <p>Accounting: one evaluation is one step of the Gaussian mechanism without subsampling (q = 1) with noise
 * multiplier sigma_e / sqrt(3) over clip sqrt(3), recorded as its own ledger entry (mechanism
 * {@link Spend#EVALUATION_MECHANISM}); the dataset's accountant (RDP or PLD) composes it with the DP-SGD
 * entries. Under RDP one evaluation costs alpha x 3 / (2 sigma_e^2) at order alpha.
 */
public final class EvaluationPrivacy {
  /** sigma_e when a job states none (the coordinator writes this default into the spec). */
  public static final double DEFAULT_NOISE_MULTIPLIER = 20;
  /** Histogram bins the noise is added to: 10 bins of width 0.1, so 0.5 stays a bin edge. */
  public static final int COARSE_BINS = 10;
  /** Per-record cap of the validation loss in nats (p of the true class at least e^-10, about 4.5e-5). */
  public static final double LOSS_CAP = io.cohort.client.tabular.EvaluationStats.LOSS_CAP;
  /** L2 sensitivity of the normalised statistics: one bin, num_correct and loss_sum / LOSS_CAP. */
  public static final double SENSITIVITY = Math.sqrt(3);

  private EvaluationPrivacy() {}

  /**
   * Whether evaluation results of {@code spec} leave the node noised and charged: DP and not public, in local
   * and distributed mode alike (both calibrate the training sigma with these charges left out of the target).
   */
  public static boolean noised(JobSpec spec) {
    return PrivacyGuard.isPrivate(spec) && !spec.getPrivacy().getPublicValidation();
  }

  /** The job's sigma_e. */
  public static double noiseMultiplier(JobSpec spec) {
    double s = spec.getPrivacy().getEvaluationNoiseMultiplier();
    return s > 0 ? s : DEFAULT_NOISE_MULTIPLIER;
  }

  /** The ledger spend of one evaluation of round {@code round}. */
  static Spend spend(JobSpec spec, int round) throws DpParameterException {
    return Spend.of(spec.getJobId(), round, 1.0, noiseMultiplier(spec) / SENSITIVITY, SENSITIVITY, 1)
        .withMechanism(Spend.EVALUATION_MECHANISM).withUnit(PrivacyUnits.of(spec));
  }

  /** The whole job's evaluations (one a round) as a plan, for the projected spend of an offer. */
  static PrivacyPlan wholeJob(JobSpec spec) throws DpParameterException {
    return PrivacyPlan.of(java.util.List.of(
        PlanSegment.of(1.0, noiseMultiplier(spec) / SENSITIVITY, Math.max(1, spec.getRounds()))));
  }

  /**
   * Whether this mechanism bounds what one record adds to {@code raw}: a classification result with score
   * histograms. Token-level results (causal LM, chat) are not noised but withheld under DP ({@link #WITHHELD}).
   */
  public static boolean canNoise(EvaluationResult raw) {
    int bins = raw.getPositiveScoreHistogramCount();
    return bins > 0 && raw.getNumAnswers() == 0 && raw.getNegativeScoreHistogramCount() == bins;
  }

  /** What a DP node sends for an evaluation it cannot noise: nothing (no examples, no statistics), uncharged. */
  public static final EvaluationResult WITHHELD = EvaluationResult.getDefaultInstance();

  /**
   * The noised statistics of {@code raw}; see the class comment.
   *
   * @throws IllegalArgumentException for a result without score histograms (language-model token counts and
   *     chat answers), whose per-record contribution this mechanism does not bound ({@link #canNoise})
   */
  public static EvaluationResult privatise(EvaluationResult raw, double sigmaE, GaussianNoise noise)
      throws DpParameterException {
    int bins = raw.getPositiveScoreHistogramCount();
    if (!canNoise(raw)) {
      throw new IllegalArgumentException("this job's evaluation counts tokens, not records, so it cannot be noised"
          + " per record under DP; declare the validation data public (privacy.public_validation: true, on nodes"
          + " that set privacy.allow_public_validation) or run it without DP");
    }
    int width = (bins + COARSE_BINS - 1) / COARSE_BINS;
    int groups = (bins + width - 1) / width;
    float[] pos = noise.sample(groups, sigmaE);
    float[] neg = noise.sample(groups, sigmaE);
    float[] scalars = noise.sample(2, sigmaE);
    double[] noisyPos = new double[groups];
    double[] noisyNeg = new double[groups];
    for (int g = 0; g < groups; g++) {
      int from = g * width;
      int to = Math.min(bins, from + width);
      long truePos = 0;
      long trueNeg = 0;
      for (int i = from; i < to; i++) {
        truePos += raw.getPositiveScoreHistogram(i);
        trueNeg += raw.getNegativeScoreHistogram(i);
      }
      noisyPos[g] = truePos + (double) pos[g];
      noisyNeg[g] = trueNeg + (double) neg[g];
    }
    long[] coarsePos = NonNegativeCounts.project(noisyPos);
    long[] coarseNeg = NonNegativeCounts.project(noisyNeg);
    long[] p = new long[bins];
    long[] n = new long[bins];
    long examples = 0;
    for (int g = 0; g < groups; g++) {
      int from = g * width;
      int middle = from + (Math.min(bins, from + width) - from) / 2;
      p[middle] = coarsePos[g];
      n[middle] = coarseNeg[g];
      examples += p[middle] + n[middle];
    }
    long correct = Math.min(examples, Math.max(0, Math.round(raw.getNumCorrect() + (double) scalars[0])));
    double loss = Math.min(LOSS_CAP * examples, Math.max(0, raw.getLossSum() + scalars[1] * LOSS_CAP));
    EvaluationResult.Builder b = EvaluationResult.newBuilder().setNumExamples(examples).setNumCorrect(correct)
        .setLossSum(loss);
    for (int i = 0; i < bins; i++) {
      b.addPositiveScoreHistogram(p[i]).addNegativeScoreHistogram(n[i]);
    }
    return b.build();
  }
}
