package io.cohort.coordinator.round;

import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.InvalidSecAggParametersException;
import io.cohort.crypto.secagg.SecAggAbortException;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Standardize;
import io.cohort.proto.v1.StatisticsTask;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.wire.NoisedStatistics;
import io.cohort.wire.StatisticsWords;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Issue 23 #2: before round 1 of a tabular job with {@code standardize: federated}, the nodes' feature
 * statistics (counts, sums, sums of squares, category and class counts of their training rows) are
 * summed under secure aggregation, as round 0 of the job's secure-aggregation sessions; the
 * coordinator learns only the sum, stores it with the job ({@link ModelStore#writeStatistics}) and
 * hands it to every later training and evaluation task ({@link JobStatistics}), so every node imputes
 * and scales alike. The words are exact fixed point ({@link StatisticsWords}), not the model delta's
 * clipped quantisation, so the session has its own parameters: step 1, uniform weights. Under DP each
 * node clamps, centres and noises its statistics and charges its ledger before masking them; the
 * coordinator un-centres and post-processes the noisy sum ({@link #postProcessed}).
 */
final class StatisticsPhase {
  private static final Logger LOG = Logger.getLogger(StatisticsPhase.class.getName());
  /** The secure-aggregation round number of the statistics session; training rounds count from 1. */
  static final int ROUND = 0;

  private final RoundContext ctx;
  private final ModelStore models;
  private final Offers offers;
  private final NodeIdentities identities;

  StatisticsPhase(RoundContext ctx, ModelStore models, Offers offers, NodeIdentities identities) {
    this.ctx = ctx;
    this.models = models;
    this.offers = offers;
    this.identities = identities;
  }

  /** Whether the job scales with the federation's statistics. */
  static boolean wanted(JobSpec spec) {
    return spec.getTabular().getStandardize() == Standardize.STANDARDIZE_FEDERATED;
  }

  /** Makes sure the job's statistics are known: read back if stored, else summed from the nodes now. */
  void ensure() throws JobFailure, InterruptedException {
    var stored = models.readStatistics(ctx.jobId());
    if (stored.isPresent()) {
      ctx.statistics().set(stored.get());
      return;
    }
    if (!SecAggSettings.enabled(ctx.spec())) {
      throw new JobFailure("standardize federated needs secure aggregation, which this job turns off");
    }
    FederationStatistics s = Attempts.attempt(ctx.jobId(), "feature statistics", ctx.settings().maxRoundAttempts(),
        this::attempt);
    models.writeStatistics(ctx.jobId(), s);
    ctx.statistics().set(s);
  }

  private Attempts.Try<FederationStatistics> attempt(int attempt) throws InterruptedException {
    int min = ctx.spec().getMinNodes();
    NodeIdentities.Keyed keyed = identities.keyed(offers.awaitLiveAccepted(ctx.roundDeadline()));
    List<NodeSession> participants = keyed.participants();
    Map<String, IdentityPublicKey> keys = keyed.keys();
    if (participants.size() < Math.max(2, min)) {
      return Attempts.Try.failure("only " + participants.size() + " accepting nodes with identity keys connected,"
          + " min_nodes is " + min);
    }
    TabularSpec t = ctx.spec().getTabular();
    SecAggParameters params;
    try {
      params = parameters(ctx.spec(), participants.size(), StatisticsWords.words(t));
    } catch (InvalidSecAggParametersException e) {
      return Attempts.Try.failure("secure aggregation cannot run with " + participants.size() + " nodes: "
          + e.getMessage());
    }
    Map<String, byte[]> certificates = identities.certificates(participants);
    SecureAggregationStages stages = new SecureAggregationStages(ctx.spec(), ROUND, StatisticsWords.sessionHash(t),
        (task, info, deadline) -> task.setStatistics(StatisticsTask.newBuilder().setSpec(ctx.spec())
            .setSecureAggregation(info).setDeadlineUnixMs(deadline.toEpochMilli())),
        participants, keys, params, ctx.registry(), ctx.waiter());
    stages.relayCertificates(certificates, identities.revocationListDer());
    ctx.tasks().open(stages);
    try {
      SecureAggregationStages.Outcome out = stages.run();
      if (out.contributors().size() < min) {
        return Attempts.Try.failure(out.contributors().size() + " nodes' statistics in the secure sum, min_nodes is "
            + min);
      }
      double[] sums = StatisticsWords.decode(out.wordSums().get(), StatisticsWords.statistics(t));
      FederationStatistics s = noised(ctx.spec()) ? postProcessed(ctx.spec(), sums, out.contributors().size())
          : StatisticsWords.unflatten(t, sums, out.contributors().size());
      LOG.info(() -> "job " + ctx.jobId() + ": feature statistics of " + out.contributors().size()
          + " nodes summed under secure aggregation (" + sums.length + " statistics"
          + (s.getNoised() ? String.format(java.util.Locale.ROOT, ", noised by each node at epsilon %.4f", s.getEpsilon())
              : "") + ")");
      return Attempts.Try.success(s);
    } catch (SecAggAbortException e) {
      return Attempts.Try.failure("secure aggregation aborted: " + e.getMessage());
    } finally {
      ctx.tasks().close(stages);
    }
  }

  /** Whether the nodes noise their statistics (a private job, issue 23 #2 under DP). */
  static boolean noised(JobSpec spec) {
    return spec.hasPrivacy() && spec.getPrivacy().getEnabled();
  }

  /**
   * The federation's statistics from the sum of the nodes' clamped, centred, noised releases: un-centred and
   * post-processed ({@link NoisedStatistics#postProcess}), marked noised with what one node's release costs
   * alone (the Gaussian mechanism at the job's z over its sensitivity, as epsilon at the job's delta under RDP).
   */
  static FederationStatistics postProcessed(JobSpec spec, double[] noisyCentred, int nodes) {
    TabularSpec t = spec.getTabular();
    double z = NoisedStatistics.noiseMultiplier(t, spec.getPrivacy().getStatisticsNoiseMultiplier());
    double delta = spec.getPrivacy().getDelta();
    double epsilon;
    try {
      epsilon = RdpAccountant.create().epsilon(PrivacyPlan.of(1.0, z, 1), delta).epsilon();
    } catch (DpParameterException e) {
      epsilon = Double.NaN; // a delta the validator let through cannot be out of range; shown as unknown
    }
    return NoisedStatistics.postProcess(t, noisyCentred, nodes, z, epsilon, delta);
  }

  /**
   * The statistics session's parameters for n nodes: the job's threshold, cohort floor and masking
   * graph, with the fixed-point words' own quantisation (step exactly 1) and uniform weights.
   */
  static SecAggParameters parameters(JobSpec spec, int n, int words) throws InvalidSecAggParametersException {
    SecAggParameters.Builder b = SecAggParameters.builder().maxCohortSize(n)
        .threshold(SecAggSettings.threshold(spec, n))
        .minCohortSize(Math.max(2, Math.min(spec.getMinNodes(), n))).vectorLength(words)
        .quantizationBits(StatisticsWords.QUANTIZATION_BITS).clipBound(StatisticsWords.CLIP).uniformWeights();
    if (SecAggSettings.kRegular(spec)) {
      b.kRegularGraph(SecAggSettings.degree(spec, n));
    }
    return b.build();
  }
}
