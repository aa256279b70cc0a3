package io.cohort.coordinator.round;

import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.ConsistencyCheckRequest;
import io.cohort.crypto.secagg.KeyRoster;
import io.cohort.crypto.secagg.ModelUpdate;
import io.cohort.crypto.secagg.Receipt;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.ShareKeysRelay;
import io.cohort.crypto.secagg.UnmaskingRequest;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node as the round loop sees it: it pulls its tasks from the registry and answers through the
 * driver, as the gRPC service would for a real node. Under secure aggregation it runs the crypto
 * library's real node side ({@link io.cohort.crypto.secagg.SecAggNodeSession}), so the coordinator's
 * stages are exercised for real. What it does is set by its fields before the job starts.
 */
final class FakeNode {
  final String id;
  NodeSession session;
  /** A silent node makes no calls at all: it dropped out, and stops being live 3 s later on the clock. */
  volatile boolean silent;
  /** Declines the offer with this reason; null accepts. */
  String declineReason;
  /** Never answers the offer. */
  boolean ignoresOffer;
  /** How many training tasks it takes and never answers before it answers one. */
  int trainingTasksToIgnore;
  /** Goes silent when it gets a training task: it accepted the offer, then dropped out. */
  boolean dropsOnTraining;
  /** Goes silent when asked for its masked input (secure rounds: dropout D2). */
  boolean dropsBeforeMaskedInput;
  TensorBundle update;
  long examples = 1;
  float[] delta;
  /** Issue 23 #2: this node's feature statistics, in {@link io.cohort.wire.StatisticsWords}' layout. */
  double[] statistics;
  /** The input of the secure session in progress: the delta, or the statistics' words. */
  private ModelUpdate input;
  /** Distributed DP: this node's sampled units' clipped gradients, encoded with its noise share. */
  java.util.List<float[]> units;
  private int[] words;
  final IdentityKeyPair identity = IdentityKeyPair.generate();
  final List<Task> received = new CopyOnWriteArrayList<>();
  private io.cohort.crypto.secagg.SecAggNodeSession secagg;
  private int secureRound;

  FakeNode(String id) {
    this.id = id;
  }

  Task next(NodeRegistry registry) throws InterruptedException {
    return registry.poll(session, Duration.ZERO).orElse(null);
  }

  long count(Task.KindCase kind) {
    return received.stream().filter(t -> t.getKindCase() == kind).count();
  }

  void handle(Task t, RoundDriver driver) throws Exception {
    received.add(t);
    switch (t.getKindCase()) {
      case OFFER -> {
        if (!ignoresOffer) {
          driver.offers().answer(session, declineReason == null, declineReason);
        }
      }
      case INIT -> driver.tasks().deliverUpdate(session, t.getTaskId(), 0, new ClientUpdate(id, 1, update));
      case TRAIN -> train(t, driver);
      case SECAGG -> stage(t, driver);
      case STATISTICS -> startStatistics(t, driver);
      case EVALUATE -> driver.tasks().deliverEvaluation(session, t.getTaskId(), t.getEvaluate().getRound(),
          EvaluationResult.newBuilder().setNumExamples(2).setLossSum(1).setNumCorrect(1)
              .addPositiveScoreHistogram(1).addNegativeScoreHistogram(1).build());
      default -> throw new AssertionError(id + " got an unexpected task " + t.getKindCase());
    }
  }

  private void train(Task t, RoundDriver driver) throws Exception {
    TrainTask tt = t.getTrain();
    if (tt.hasSecureAggregation()) {
      startSecure(t, driver);
      return;
    }
    if (dropsOnTraining) {
      silent = true;
      return;
    }
    if (trainingTasksToIgnore > 0) {
      trainingTasksToIgnore--;
      return;
    }
    driver.tasks().checkUpdate(session, t.getTaskId(), tt.getRound());
    driver.tasks().deliverUpdate(session, t.getTaskId(), tt.getRound(), new ClientUpdate(id, examples, update));
  }

  private void startSecure(Task t, RoundDriver driver) throws Exception {
    TrainTask tt = t.getTrain();
    SecAggRound info = tt.getSecureAggregation();
    SecAggParameters.Builder pb = SecAggParameters.builder().maxCohortSize(info.getPeersCount())
        .threshold(info.getThreshold()).minCohortSize(info.getMinCohortSize()).vectorLength(info.getVectorLength())
        .quantizationBits(info.getBits()).clipBound(info.getClip());
    SecAggParameters p = tt.hasDistributedDp() ? pb.uniformWeights().ringWords().build()
        : pb.exampleCountWeights(info.getMaxExamples()).build();
    words = null;
    if (tt.hasDistributedDp()) {
      // As a real node: the codec from the job's public terms and the model size, the share for t inputs.
      var codec = DistributedDpRound.parameters(tt.getSpec(), update.tensors().stream().mapToInt(x -> (int) x.size()).sum());
      var encoder = io.cohort.crypto.dp.distributed.DistributedDpEncoder.begin(codec,
          tt.getDistributedDp().getRotationSeed().toByteArray(), tt.getDistributedDp().getContributors());
      units.forEach(encoder::addUnit);
      words = encoder.finish();
    }
    Map<Integer, IdentityPublicKey> peers = new HashMap<>();
    for (SecAggPeer peer : info.getPeersList()) {
      peers.put(peer.getSecaggId(), IdentityPublicKey.fromRaw(peer.getIdentityKeyEd25519().toByteArray()));
    }
    secureRound = tt.getRound();
    input = words != null ? ModelUpdate.encoded(words, 1) : new ModelUpdate(delta, examples);
    secagg = io.cohort.crypto.secagg.SecAggNodeSession.builder(p).round(t.getJobId(), secureRound)
        .node(info.getSecaggId(), identity)
        .received(tt.getModelSha256().toByteArray(), Digests.sha256(tt.getSpec().toByteArray()))
        .certifiedIdentities((nodeId, key) -> key.equals(peers.get(nodeId))).build();
    push(driver, t.getTaskId(), SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS, secagg.advertiseKeys().encode());
  }

  /** As a real node: its statistics as exact fixed-point words, under the round's uniform-weight parameters. */
  private void startStatistics(Task t, RoundDriver driver) throws Exception {
    var st = t.getStatistics();
    SecAggRound info = st.getSecureAggregation();
    SecAggParameters p = SecAggParameters.builder().maxCohortSize(info.getPeersCount())
        .threshold(info.getThreshold()).minCohortSize(info.getMinCohortSize()).vectorLength(info.getVectorLength())
        .quantizationBits(info.getBits()).clipBound(info.getClip()).uniformWeights().build();
    Map<Integer, IdentityPublicKey> peers = new HashMap<>();
    for (SecAggPeer peer : info.getPeersList()) {
      peers.put(peer.getSecaggId(), IdentityPublicKey.fromRaw(peer.getIdentityKeyEd25519().toByteArray()));
    }
    secureRound = 0;
    input = ModelUpdate.unweighted(io.cohort.wire.StatisticsWords.encode(statistics));
    secagg = io.cohort.crypto.secagg.SecAggNodeSession.builder(p).round(t.getJobId(), secureRound)
        .node(info.getSecaggId(), identity)
        .received(io.cohort.wire.StatisticsWords.sessionHash(st.getSpec().getTabular()),
            Digests.sha256(st.getSpec().toByteArray()))
        .certifiedIdentities((nodeId, key) -> key.equals(peers.get(nodeId))).build();
    push(driver, t.getTaskId(), SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS, secagg.advertiseKeys().encode());
  }

  private void stage(Task t, RoundDriver driver) throws Exception {
    var s = t.getSecagg();
    byte[] m = s.getMessage().toByteArray();
    byte[] answer = switch (s.getStage()) {
      case SEC_AGG_STAGE_SHARE_KEYS -> secagg.shareKeys(KeyRoster.decode(m)).encode();
      case SEC_AGG_STAGE_MASKED_INPUT -> {
        if (dropsBeforeMaskedInput) {
          silent = true;
          yield null;
        }
        yield secagg.maskedInput(ShareKeysRelay.decode(m), input).encode();
      }
      case SEC_AGG_STAGE_CONSISTENCY_CHECK -> secagg.consistencyCheck(ConsistencyCheckRequest.decode(m)).encode();
      case SEC_AGG_STAGE_UNMASKING -> secagg.unmask(UnmaskingRequest.decode(m)).encode();
      default -> null; // ABORT: nothing to send; the test reads it from received
    };
    if (answer != null) {
      push(driver, t.getTaskId(), s.getStage(), answer);
    }
  }

  private void push(RoundDriver driver, String taskId, SecAggStage stage, byte[] message) {
    driver.tasks().checkSecAgg(session, taskId, secureRound, stage);
    Receipt r = driver.tasks().deliverSecAgg(session, taskId, secureRound, stage, message);
    if (!r.isAccepted()) {
      throw new AssertionError(id + ": " + stage + " refused: " + r);
    }
  }
}
