package io.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.distributed.DistributedDpDecoder;
import io.cohort.crypto.dp.distributed.DistributedDpJob;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.crypto.dp.distributed.RandomizedHadamard;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.InvalidSecAggParametersException;
import io.cohort.crypto.secagg.SecAggAbortException;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.DistributedDpRound.Builder;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.wire.TensorBundle;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A round of distributed DP-SGD (issue 19 #1, docs/distributed-dp.md): one DP-SGD step over the
 * union of the nodes' data. Each node samples its units (records, or the persons of {@code privacy.unit})
 * at the job's rate q, clips each unit's gradient (a person's: the sum over their rows) to C, encodes
 * their sum with its discrete Gaussian share (sized for the round's
 * secure-aggregation threshold t, the fewest inputs the coordinator can unmask) and masks the ring
 * words; this protocol learns only their sum mod 2^32, decodes it
 * ({@link DistributedDpDecoder#noisyAverage}: divided by the public expected batch size) and hands
 * the job's strategy the step: FedAvg moves the model by −lr·ĝ (SGD at {@code privacy.learning_rate}),
 * FedAdam runs the server's Adam on −ĝ.
 *
 * <p>The secure-aggregation machinery is {@link SecureAggregationStages}, unchanged but for ring-word
 * inputs, uniform weights and each TrainTask carrying the round's public rotation seed and the
 * contributor count (which the node checks against its own derivation before anything is spent).
 */
final class DistributedDpRound implements RoundProtocol {
  private static final Logger LOG = Logger.getLogger(DistributedDpRound.class.getName());
  private static final SecureRandom SEEDS = new SecureRandom();

  private final RoundContext ctx;
  private final Strategy strategy;
  private final NodeIdentities identities;
  private DistributedDpParameters codec;

  DistributedDpRound(RoundContext ctx, Strategy strategy, NodeIdentities identities) {
    this.ctx = ctx;
    this.strategy = strategy;
    this.identities = identities;
  }

  /** Whether {@code spec} runs its rounds in distributed-DP mode. */
  static boolean selected(JobSpec spec) {
    return SecAggSettings.enabled(spec) && spec.getPrivacy().getEnabled()
        && spec.getPrivacy().getMode() == PrivacyMode.PRIVACY_MODE_DISTRIBUTED;
  }

  /**
   * The job's codec parameters for a model of {@code d} parameters: the same call, with the same
   * public values, as every node makes ({@code DistributedDpJob.resolve}), with the noised evaluations
   * the nodes charge beside the rounds left out of the training share.
   */
  static DistributedDpParameters parameters(JobSpec spec, int d) throws DpParameterException {
    PrivacySpec p = spec.getPrivacy();
    return DistributedDpJob.resolve(p.getClipNorm(), p.getNoiseMultiplier(), p.getTargetEpsilon(), p.getDelta(),
        p.getSamplingRate(), spec.getRounds(), d, p.getMaxNodes(), p.getMinHonest(), p.getExpectedBatchSize(),
        io.cohort.coordinator.job.DpPlanLine.otherReleases(spec));
  }

  @Override
  public boolean secure() {
    return true;
  }

  @Override
  public boolean needsInitialModel() {
    return true;
  }

  @Override
  public RoundOutcome run(RoundInput in) throws JobFailure, InterruptedException {
    JobSpec spec = ctx.spec();
    int min = spec.getMinNodes();
    TensorBundle global = in.global().orElseThrow(() -> new IllegalStateException("a distributed round needs a model"));
    long d = SecureAggregationStages.vectorLength(global);
    if (d > (1 << 26)) {
      throw new JobFailure("distributed DP: the model has " + d + " parameters, more than this mode supports (2^26)");
    }
    DistributedDpParameters p = codec(spec, (int) d);
    NodeIdentities.Keyed keyed = identities.keyed(in.participants());
    List<NodeSession> participants = keyed.participants();
    Map<String, IdentityPublicKey> keys = keyed.keys();
    if (participants.size() < Math.max(2, min)) {
      return new RoundOutcome.Refused("only " + participants.size() + " accepting nodes with identity keys connected,"
          + " min_nodes is " + min);
    }
    if (participants.size() > p.maxNodes()) {
      participants.subList(p.maxNodes(), participants.size()).clear(); // more would make each share too small
    }
    SecAggParameters params;
    try {
      params = SecAggSettings.distributedDpParameters(spec, participants.size(), p.paddedDimension());
    } catch (InvalidSecAggParametersException e) {
      return new RoundOutcome.Refused("secure aggregation cannot run with " + participants.size() + " nodes: "
          + e.getMessage());
    }
    int contributors = params.threshold();
    if (contributors < p.minHonest()) {
      return new RoundOutcome.Refused("distributed DP: the round's unmasking threshold " + contributors
          + " is below privacy.min_honest " + p.minHonest() + " (nodes would refuse); connect more nodes or raise"
          + " secure_aggregation.threshold");
    }
    byte[] seed = new byte[32];
    SEEDS.nextBytes(seed);
    Map<String, byte[]> certificates = identities.certificates(participants);
    SecureAggregationStages stages = new SecureAggregationStages(spec, in.round(), global, in.globalModelId(),
        participants, keys, params, ctx.registry(), ctx.waiter());
    stages.relayCertificates(certificates, identities.revocationListDer());
    stages.addTrainTerms(t -> t.setDistributedDp(terms(seed, contributors)));
    ctx.tasks().open(stages);
    // Issue 21 #6: each contributor co-signs the model it computed its gradient at.
    ctx.tasks().expectReceipts(in.round(), global.sha256());
    in.onStart().accept(participants);
    try {
      long start = System.nanoTime(); // a measurement for metrics, not a deadline
      SecureAggregationStages.Outcome out = stages.run();
      if (out.contributors().size() < min) {
        return new RoundOutcome.Failed(out.contributors().size() + " inputs in the secure sum, min_nodes is " + min);
      }
      double[] gradient = DistributedDpDecoder.noisyAverage(p, seed, out.wordSums().get());
      double step = stepScale(spec);
      TensorBundle next = strategy.applyMeanDelta(in.round(), global, i -> -step * gradient[i]);
      LOG.info(() -> String.format("job %s distributed-DP round %d: noisy gradient sum of %d nodes decoded"
          + " (shares sized for %d), step applied by %s", spec.getJobId(), in.round(), out.contributors().size(),
          contributors, strategy.name()));
      return new RoundOutcome.Aggregated(next, participants.stream().map(NodeSession::nodeId).toList(),
          out.contributors(), out.examples(), Duration.ofNanos(System.nanoTime() - start));
    } catch (SecAggAbortException e) {
      return new RoundOutcome.Failed("secure aggregation aborted: " + e.getMessage());
    } finally {
      ctx.tasks().close(stages);
    }
  }

  private static io.cohort.proto.v1.DistributedDpRound terms(byte[] seed, int contributors) {
    Builder b = io.cohort.proto.v1.DistributedDpRound.newBuilder().setRotationSeed(ByteString.copyFrom(seed))
        .setContributors(contributors);
    return b.build();
  }

  /**
   * What the decoded mean gradient ĝ is multiplied by before the strategy sees it as a mean delta:
   * the DP learning rate for FedAvg (plain SGD), 1 for FedAdam (its server Adam takes the gradient).
   */
  static double stepScale(JobSpec spec) {
    if (spec.getStrategy().getKind() == io.cohort.proto.v1.AggregationStrategy.AGGREGATION_STRATEGY_FEDADAM) {
      return 1.0;
    }
    double lr = spec.getPrivacy().getLearningRate();
    return lr > 0 ? lr : spec.getTraining().getLearningRate();
  }

  private DistributedDpParameters codec(JobSpec spec, int d) throws JobFailure {
    if (codec == null || codec.dimension() != d) {
      try {
        codec = parameters(spec, d);
      } catch (DpParameterException e) {
        throw new JobFailure("distributed DP cannot run this job: " + e.getMessage());
      }
      LOG.info("job " + spec.getJobId() + " distributed-DP plan (D = "
          + RandomizedHadamard.paddedDimension(d) + "):\n" + codec.describe());
    }
    return codec;
  }
}
