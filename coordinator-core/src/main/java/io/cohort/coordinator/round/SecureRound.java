package io.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.InvalidSecAggParametersException;
import io.cohort.crypto.secagg.SecAggAbortException;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A round under secure aggregation: the coordinator learns only the weighted sum of the
 * participants' clipped deltas (the stages are in {@link SecureAggregationStages}), and the job's
 * strategy steps the global model by their mean. Only nodes with a registered identity key can
 * take part; every round starts from a stored global model, so round 1 needs the initial one.
 */
final class SecureRound implements RoundProtocol {
  private final RoundContext ctx;
  private final Strategy strategy;
  private final NodeIdentities identities;

  SecureRound(RoundContext ctx, Strategy strategy, NodeIdentities identities) {
    this.ctx = ctx;
    this.strategy = strategy;
    this.identities = identities;
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
    int min = ctx.spec().getMinNodes();
    TensorBundle global = in.global().orElseThrow(() -> new IllegalStateException("a secure round needs a global model"));
    NodeIdentities.Keyed keyed = identities.keyed(in.participants());
    List<NodeSession> participants = keyed.participants();
    Map<String, IdentityPublicKey> keys = keyed.keys();
    if (participants.size() < Math.max(2, min)) {
      return new RoundOutcome.Refused("only " + participants.size() + " accepting nodes with identity keys connected,"
          + " min_nodes is " + min + (participants.size() < in.participants().size()
              ? " (nodes without an identity key cannot take part in secure aggregation)" : ""));
    }
    long d = SecureAggregationStages.vectorLength(global);
    if (d > SecAggParameters.MAX_VECTOR_LENGTH) {
      throw new JobFailure("secure aggregation: the model has " + d + " coordinates, more than one round can mask");
    }
    SecAggParameters params;
    try {
      params = SecAggSettings.parameters(ctx.spec(), participants.size(), (int) d);
    } catch (InvalidSecAggParametersException e) {
      return new RoundOutcome.Refused("secure aggregation cannot run with " + participants.size() + " nodes: "
          + e.getMessage());
    }
    Map<String, byte[]> certificates = identities.certificates(participants);
    SecureAggregationStages stages = new SecureAggregationStages(ctx.spec(), in.round(), global.sha256(),
        (task, info, deadline) -> {
          TrainTask.Builder train = TrainTask.newBuilder().setSpec(ctx.spec()).setRound(in.round())
              .setModelId(in.globalModelId()).setModelSha256(ByteString.copyFrom(global.sha256()))
              .setDeadlineUnixMs(deadline.toEpochMilli()).setSecureAggregation(info);
          ctx.statistics().get().ifPresent(train::setFederationStatistics);
          task.setTrain(train);
        }, participants, keys, params, ctx.registry(), ctx.waiter());
    stages.relayCertificates(certificates, identities.revocationListDer());
    ctx.tasks().open(stages);
    ctx.tasks().expectReceipts(in.round(), global.sha256());
    in.onStart().accept(participants);
    try {
      long protocolStart = System.nanoTime(); // a measurement for metrics, not a deadline
      SecureAggregationStages.Outcome out = stages.run();
      Duration protocol = Duration.ofNanos(System.nanoTime() - protocolStart);
      if (out.contributors().size() < min) {
        return new RoundOutcome.Failed(out.contributors().size() + " updates in the secure sum, min_nodes is " + min);
      }
      return new RoundOutcome.Aggregated(strategy.applyMeanDelta(in.round(), global, out.meanDelta()),
          participants.stream().map(NodeSession::nodeId).toList(), out.contributors(), out.examples(), protocol);
    } catch (SecAggAbortException e) {
      return new RoundOutcome.Failed("secure aggregation aborted: " + e.getMessage());
    } finally {
      ctx.tasks().close(stages);
    }
  }
}
