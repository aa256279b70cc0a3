package io.cohort.client.privacy;

import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.ledger.Spend;

/**
 * A job's DP-SGD settings as this node resolves them for its own data: the same every round, so a
 * node's spend per round is fixed when it accepts.
 *
 * @param samplingRate q, Poisson rate over this node's training rows
 * @param noiseMultiplier sigma, given by the job or calibrated here to the job's target
 * @param clipNorm C
 * @param stepsPerRound DP-SGD steps each round
 * @param rounds the job's rounds
 * @param optimizer SGD or Adam on the privatised gradient
 */
public record DpPlan(double samplingRate, double noiseMultiplier, double clipNorm, long stepsPerRound, int rounds,
    DpSgdParams.Optimizer optimizer) {

  /** The spend of every round of the job together: what an offer is judged by. */
  public PrivacyPlan wholeJob() throws DpParameterException {
    return PrivacyPlan.of(samplingRate, noiseMultiplier, stepsPerRound * rounds);
  }

  /** One round's spend, as the ledger records it. */
  public Spend round(String jobId, int round) throws DpParameterException {
    return Spend.of(jobId, round, samplingRate, noiseMultiplier, clipNorm, stepsPerRound);
  }

  /** The training parameters for one round at {@code learningRate}. */
  public DpSgdParams trainingParams(double learningRate) {
    return new DpSgdParams(stepsPerRound, samplingRate, noiseMultiplier, clipNorm, learningRate, optimizer);
  }
}
