package io.cohort.client.runtime;

import io.cohort.client.job.LocalTrainer;
import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.ConsistencyCheckRequest;
import io.cohort.crypto.secagg.InvalidSecAggParametersException;
import io.cohort.crypto.secagg.KeyRoster;
import io.cohort.crypto.secagg.MalformedMessageException;
import io.cohort.crypto.secagg.ModelUpdate;
import io.cohort.crypto.secagg.SecAggNodeSession;
import io.cohort.crypto.secagg.SecAggAbortException;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.ShareKeysRelay;
import io.cohort.crypto.secagg.UnmaskingRequest;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.MaskingGraphKind;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.proto.v1.SecAggTask;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The node's side of secure rounds: turns a trained model into a clipped delta, runs the library's
 * {@link SecAggNodeSession} over the pull transport (stage tasks in, {@code PushSecAgg} out), and never
 * sends the update itself.
 *
 * <p>Identities (issue 21 #2): the coordinator relays each peer's certificate with the round, and
 * {@link #checkPeers} has the node check them itself against its own copy of the federation CA
 * certificate, the newest CRL it has seen and its member roster ({@link io.cohort.client.trust.PeerVerifier})
 * before anything of the round is admitted, trained or sent. The library then checks every signature
 * against the keys so certified. A peer's key is also pinned per node id for this process (a changed
 * key aborts the round). What remains: whoever holds the CA key can mint certificates, so the CA
 * belongs off the coordinator, and a roster floor ({@code trust.min_distinct_members}) bounds what
 * certificates for unknown names can do.
 *
 * <p>Logs carry ids, stages and counts, never keys, seeds, shares or vectors. One round at a time; a
 * new secure round aborts (and wipes) any unfinished one. Called from the task loop's thread only.
 */
final class SecureParticipant {
  private static final Logger LOG = Logger.getLogger(SecureParticipant.class.getName());

  private final CoordinatorClient client;
  private final IdentityKeyPair identity;
  private final String nodeId;
  private final Clock clock;
  private final Duration timeout;
  private final Map<String, IdentityPublicKey> pinned = new HashMap<>();
  private final io.cohort.client.trust.PeerVerifier verifier;
  private Active active;
  /** The round number of a job's feature statistics session (training rounds count from 1). */
  static final int STATISTICS_ROUND = 0;

  /** The round in progress: its session and the update it masks. */
  private record Active(String jobId, int round, SecAggNodeSession session, ModelUpdate update,
      WriteAhead writeAhead) {}

  SecureParticipant(CoordinatorClient client, IdentityKeyPair identity, String nodeId, Clock clock, Duration timeout,
      io.cohort.client.trust.PeerVerifier verifier) {
    this.verifier = verifier;
    this.client = client;
    this.identity = identity;
    this.nodeId = nodeId;
    this.clock = clock;
    this.timeout = timeout;
  }

  /**
   * Starts the protocol for a trained round and sends AdvertiseKeys.
   *
   * @throws IllegalArgumentException when the round's setting or peers are unacceptable; the caller
   *     abandons the task with the message
   */
  void start(Task task, TrainTask t, TensorBundle global, LocalTrainer.Outcome out, WriteAhead writeAhead)
      throws InterruptedException {
    abortActive("a new secure round started");
    SecAggRound info = t.getSecureAggregation();
    JobSpec spec = t.getSpec();
    SecAggParameters params = parameters(spec, info);
    Map<Integer, IdentityPublicKey> peers = peers(info);
    float[] delta = delta(global, out.parameters(), params.clipBound(), params.vectorLength());
    long count = Math.min(out.examples(), params.maxExampleCount());
    if (count < out.examples()) {
      LOG.warning("job " + task.getJobId() + " round " + t.getRound() + ": weight capped at max_examples "
          + params.maxExampleCount());
    }
    SecAggNodeSession session = SecAggNodeSession.builder(params).round(task.getJobId(), t.getRound())
        .node(info.getSecaggId(), identity)
        .received(global.sha256(), Digests.sha256(spec.toByteArray()))
        .certifiedIdentities((id, key) -> key.equals(peers.get(id)))
        .build();
    active = new Active(task.getJobId(), t.getRound(), session, new ModelUpdate(delta, count), writeAhead.once());
    try {
      sendKeys(task, session.advertiseKeys().encode(),
          ModelReceipts.signed(identity, task.getJobId(), spec, t.getRound(), t.getModelSha256().toByteArray()));
    } catch (SecAggAbortException e) {
      aborted(task, e);
    }
  }

  /**
   * Issue 23 #2: starts the protocol for the job's feature statistics (round 0 of its secure sessions)
   * with {@code words}, this node's statistics as {@link io.cohort.wire.StatisticsWords} fixed-point
   * words, and sends AdvertiseKeys. Call {@link #checkPeers} first.
   *
   * @throws IllegalArgumentException when the round's setting or peers are unacceptable
   */
  void startStatistics(Task task, io.cohort.proto.v1.StatisticsTask t, float[] words) throws InterruptedException {
    abortActive("a new secure round started");
    SecAggRound info = t.getSecureAggregation();
    JobSpec spec = t.getSpec();
    SecAggParameters params = statisticsParameters(spec, info);
    Map<Integer, IdentityPublicKey> peers = peers(info);
    SecAggNodeSession session = SecAggNodeSession.builder(params).round(task.getJobId(), STATISTICS_ROUND)
        .node(info.getSecaggId(), identity)
        .received(io.cohort.wire.StatisticsWords.sessionHash(spec.getTabular()), Digests.sha256(spec.toByteArray()))
        .certifiedIdentities((id, key) -> key.equals(peers.get(id)))
        .build();
    // The statistics are charged before the session starts and their release is kept for a retry (TaskHandler).
    active = new Active(task.getJobId(), STATISTICS_ROUND, session, ModelUpdate.unweighted(words), WriteAhead.NONE);
    try {
      send(task, SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS, session.advertiseKeys().encode());
    } catch (SecAggAbortException e) {
      aborted(task, e);
    }
  }

  /**
   * The statistics session's parameters: the words' own exact quantisation (step 1) and uniform
   * weights, whatever the job's model-delta setting; the rest as the coordinator resolved it.
   */
  private static SecAggParameters statisticsParameters(JobSpec spec, SecAggRound info) {
    if (!spec.getSecureAggregation().getEnabled() || info.getBits() != io.cohort.wire.StatisticsWords.QUANTIZATION_BITS
        || info.getClip() != io.cohort.wire.StatisticsWords.CLIP || info.getMaxExamples() != 1
        || info.getVectorLength() != io.cohort.wire.StatisticsWords.words(spec.getTabular())
        || (spec.getSecureAggregation().getGraph() == MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR)
            != (info.getKRegularDegree() > 0)) {
      throw new IllegalArgumentException("the feature statistics round's secure-aggregation setting differs from the"
          + " job's");
    }
    return build(info, false);
  }

  /**
   * Starts the protocol for a distributed-DP round with the node's encoded words (its clipped, rounded,
   * noised gradient sum mod 2^32, weight 1) and sends AdvertiseKeys.
   *
   * @throws IllegalArgumentException when the round's setting or peers are unacceptable
   */
  void startEncoded(Task task, TrainTask t, TensorBundle global, int[] words, WriteAhead writeAhead)
      throws InterruptedException {
    abortActive("a new secure round started");
    SecAggRound info = t.getSecureAggregation();
    JobSpec spec = t.getSpec();
    SecAggParameters params = ringWordParameters(spec, info);
    Map<Integer, IdentityPublicKey> peers = peers(info);
    SecAggNodeSession session = SecAggNodeSession.builder(params).round(task.getJobId(), t.getRound())
        .node(info.getSecaggId(), identity)
        .received(global.sha256(), Digests.sha256(spec.toByteArray()))
        .certifiedIdentities((id, key) -> key.equals(peers.get(id)))
        .build();
    active = new Active(task.getJobId(), t.getRound(), session, ModelUpdate.encoded(words, 1), writeAhead.once());
    try {
      // Issue 21 #6: the receipt of the global model the gradient was computed at, as in a secure round.
      sendKeys(task, session.advertiseKeys().encode(),
          ModelReceipts.signed(identity, task.getJobId(), spec, t.getRound(), t.getModelSha256().toByteArray()));
    } catch (SecAggAbortException e) {
      aborted(task, e);
    }
  }

  /** A distributed-DP round's parameters: the job's setting, ring-word inputs, uniform weights (no counts). */
  private static SecAggParameters ringWordParameters(JobSpec spec, SecAggRound info) {
    var mine = spec.getSecureAggregation();
    if (!mine.getEnabled() || info.getBits() != mine.getBits() || info.getClip() != mine.getClip()
        || (mine.getGraph() == MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR) != (info.getKRegularDegree() > 0)) {
      throw new IllegalArgumentException("the round's secure-aggregation setting differs from the job's");
    }
    return build(info, true);
  }

  /** Uniform-weight parameters as the coordinator resolved them; {@code ringWords}: pre-encoded inputs. */
  private static SecAggParameters build(SecAggRound info, boolean ringWords) {
    try {
      SecAggParameters.Builder b = SecAggParameters.builder().maxCohortSize(info.getPeersCount())
          .threshold(info.getThreshold()).minCohortSize(info.getMinCohortSize()).vectorLength(info.getVectorLength())
          .quantizationBits(info.getBits()).clipBound(info.getClip()).uniformWeights();
      if (ringWords) {
        b.ringWords();
      }
      if (info.getKRegularDegree() > 0) {
        b.kRegularGraph(info.getKRegularDegree());
      }
      return b.build();
    } catch (InvalidSecAggParametersException e) {
      throw new IllegalArgumentException("unsafe secure-aggregation setting: " + e.getMessage(), e);
    }
  }

  /**
   * Checks the round's peers (certificates, revocation, roster) before anything of it is admitted or
   * trained; called again by {@link #start} would be redundant, so the caller runs it first.
   *
   * @throws io.cohort.client.trust.PeerRefusedException naming the bad peer or the missing members
   */
  void checkPeers(SecAggRound info) throws io.cohort.client.trust.PeerRefusedException {
    verifier.verify(info.getPeersList(), info.getSecaggId(), info.getCrlDer().toByteArray());
  }

  /** Refuses a stage task (its terms differ from the accepted ones): aborts the round it belongs to, wipes it. */
  void refuse(Task task, String reason) {
    Active a = active;
    if (a != null && a.jobId().equals(task.getJobId())) {
      abortActive(reason);
    }
    giveUp(task, reason);
  }

  /** Answers one stage task of the active round; a task for another round is ignored. */
  void stage(Task task, SecAggTask s) throws InterruptedException {
    Active a = active;
    if (a == null || !a.jobId().equals(task.getJobId()) || a.round() != s.getRound()) {
      LOG.info("ignoring secure-aggregation " + s.getStage() + " for job " + task.getJobId() + " round " + s.getRound()
          + ": this node holds no keys for it (restarted, or the round was aborted)");
      return;
    }
    if (s.getStage() == SecAggStage.SEC_AGG_STAGE_ABORT) {
      abortActive("the coordinator aborted the round");
      return;
    }
    if (clock.millis() > s.getDeadlineUnixMs()) {
      LOG.warning("secure-aggregation " + s.getStage() + " of round " + s.getRound() + " arrived after its deadline");
      return;
    }
    byte[] m = s.getMessage().toByteArray();
    if (s.getStage() == SecAggStage.SEC_AGG_STAGE_MASKED_INPUT && !spendRecorded(task, a)) {
      return;
    }
    try {
      byte[] answer = switch (s.getStage()) {
        case SEC_AGG_STAGE_SHARE_KEYS -> a.session().shareKeys(KeyRoster.decode(m)).encode();
        case SEC_AGG_STAGE_MASKED_INPUT -> a.session().maskedInput(ShareKeysRelay.decode(m), a.update()).encode();
        case SEC_AGG_STAGE_CONSISTENCY_CHECK -> a.session().consistencyCheck(ConsistencyCheckRequest.decode(m)).encode();
        case SEC_AGG_STAGE_UNMASKING -> a.session().unmask(UnmaskingRequest.decode(m)).encode();
        default -> throw new MalformedMessageException("stage " + s.getStage() + " is not a coordinator request");
      };
      send(task, s.getStage(), answer);
      if (s.getStage() == SecAggStage.SEC_AGG_STAGE_UNMASKING) {
        LOG.info("job " + task.getJobId() + " round " + s.getRound() + ": secure aggregation done, round secrets wiped");
        active = null;
      }
    } catch (SecAggAbortException e) {
      aborted(task, e);
    } catch (MalformedMessageException | IllegalArgumentException e) {
      abortActive("bad " + s.getStage() + " request: " + e.getMessage());
      giveUp(task, "bad " + s.getStage() + " request");
    } catch (IllegalStateException e) {
      LOG.info("secure-aggregation " + s.getStage() + " ignored: " + e.getMessage()); // a repeat after the stage closed
    }
  }

  /**
   * Records the round's privacy spend before its masked input is computed and sent ({@link WriteAhead});
   * when it cannot be recorded (the budget was taken meanwhile, or the ledger is unavailable) the round is
   * aborted and nothing of the data leaves.
   */
  private boolean spendRecorded(Task task, Active a) {
    try {
      a.writeAhead().record();
      return true;
    } catch (io.cohort.client.privacy.RoundRefusedException e) {
      abortActive(e.getMessage());
      giveUp(task, e.getMessage());
    } catch (java.io.IOException e) {
      abortActive("privacy ledger unavailable: " + e.getMessage());
      giveUp(task, "privacy ledger unavailable, so nothing is sent");
    }
    return false;
  }

  private void send(Task task, SecAggStage stage, byte[] message) throws InterruptedException {
    Active a = active;
    client.pushSecAgg(task.getJobId(), task.getTaskId(), a.round(), stage, message, timeout);
    LOG.fine(() -> "sent secure-aggregation " + stage + " (" + message.length + " bytes)");
  }

  /** AdvertiseKeys with the node's receipt of the round's global model (issue 21 #6). */
  private void sendKeys(Task task, byte[] keys, io.cohort.proto.v1.SignedModelReceipt receipt)
      throws InterruptedException {
    Active a = active;
    client.pushSecAgg(task.getJobId(), task.getTaskId(), a.round(), SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS, keys,
        receipt, timeout);
    LOG.fine(() -> "sent secure-aggregation " + SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS + " (" + keys.length
        + " bytes)");
  }

  private void aborted(Task task, SecAggAbortException e) {
    LOG.warning("secure aggregation aborted by this node (" + e.reason() + "); round secrets wiped, nothing more sent");
    active = null;
    giveUp(task, "secure aggregation aborted by the node: " + e.reason());
  }

  /** Tells the coordinator not to wait for this node's answer to the stage (best effort). */
  private void giveUp(Task task, String reason) {
    try {
      client.abandonTask(task.getJobId(), task.getTaskId(), reason);
    } catch (io.grpc.StatusRuntimeException e) {
      LOG.fine(() -> "abandoning the stage task failed: " + e.getStatus());
    }
  }

  private void abortActive(String why) {
    if (active != null) {
      active.session().abort(why);
      LOG.warning("secure round " + active.round() + " of job " + active.jobId() + " aborted: " + why);
      active = null;
    }
  }

  /** The library's parameters from the coordinator's resolution, checked against this node's copy of the job. */
  private static SecAggParameters parameters(JobSpec spec, SecAggRound info) {
    var mine = spec.getSecureAggregation();
    if (!mine.getEnabled() || info.getBits() != mine.getBits() || info.getClip() != mine.getClip()
        || info.getMaxExamples() != mine.getMaxExamples()
        || (mine.getGraph() == MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR) != (info.getKRegularDegree() > 0)) {
      throw new IllegalArgumentException("the round's secure-aggregation setting differs from the job's");
    }
    try {
      SecAggParameters.Builder b = SecAggParameters.builder().maxCohortSize(info.getPeersCount())
          .threshold(info.getThreshold()).minCohortSize(info.getMinCohortSize()).vectorLength(info.getVectorLength())
          .quantizationBits(info.getBits()).clipBound(info.getClip()).exampleCountWeights(info.getMaxExamples());
      if (info.getKRegularDegree() > 0) {
        b.kRegularGraph(info.getKRegularDegree()); // SecAgg+: the masking graph the coordinator resolved
      }
      return b.build();
    } catch (InvalidSecAggParametersException e) {
      throw new IllegalArgumentException("unsafe secure-aggregation setting: " + e.getMessage(), e);
    }
  }

  /** Protocol id to identity key, after TOFU pinning by node id and checking this node's own entry. */
  private Map<Integer, IdentityPublicKey> peers(SecAggRound info) {
    Map<Integer, IdentityPublicKey> out = new HashMap<>();
    boolean self = false;
    for (SecAggPeer p : info.getPeersList()) {
      IdentityPublicKey key = IdentityPublicKey.fromRaw(p.getIdentityKeyEd25519().toByteArray());
      if (out.put(p.getSecaggId(), key) != null) {
        throw new IllegalArgumentException("protocol id " + p.getSecaggId() + " appears twice in the peer list");
      }
      if (p.getSecaggId() == info.getSecaggId()) {
        if (!p.getNodeId().equals(nodeId) || !key.equals(identity.publicKey())) {
          throw new IllegalArgumentException("the peer list does not carry this node's own identity");
        }
        self = true;
      }
      IdentityPublicKey before = pinned.putIfAbsent(p.getNodeId(), key);
      if (before != null && !before.equals(key)) {
        throw new IllegalArgumentException("node '" + p.getNodeId() + "' appears with another identity key than before");
      }
    }
    if (!self) {
      throw new IllegalArgumentException("this node is not in the round's peer list");
    }
    return out;
  }

  /** local − global, flattened in the global model's tensor order, each coordinate clipped to [−c, c]. */
  static float[] delta(TensorBundle global, TensorBundle local, double clip, int d) {
    if (!global.sameLayout(local)) {
      throw new IllegalArgumentException("the trained model's layout differs from the global model's");
    }
    float[] out = new float[d];
    int at = 0;
    for (Tensor g : global.tensors()) {
      float[] l = local.get(g.name()).values();
      float[] gv = g.values();
      if (at + gv.length > d) {
        throw new IllegalArgumentException("the model has more coordinates than the round's vector length " + d);
      }
      for (int i = 0; i < gv.length; i++) {
        double v = (double) l[i] - gv[i];
        out[at++] = (float) Math.max(-clip, Math.min(clip, v)); // NaN stays NaN and is rejected by the library
      }
    }
    if (at != d) {
      throw new IllegalArgumentException("the model has " + at + " coordinates, the round expects " + d);
    }
    return out;
  }
}
