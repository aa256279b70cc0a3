package io.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.crypto.Digests;
import io.cohort.crypto.SecureTokens;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.AdvertiseKeys;
import io.cohort.crypto.secagg.AggregateResult;
import io.cohort.crypto.secagg.ConsistencyCheckRequest;
import io.cohort.crypto.secagg.ConsistencyCheckResponse;
import io.cohort.crypto.secagg.CoordinatorSession;
import io.cohort.crypto.secagg.KeyRoster;
import io.cohort.crypto.secagg.MalformedMessageException;
import io.cohort.crypto.secagg.MaskedInput;
import io.cohort.crypto.secagg.Receipt;
import io.cohort.crypto.secagg.SecAggAbortException;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.ShareKeys;
import io.cohort.crypto.secagg.ShareKeysRelay;
import io.cohort.crypto.secagg.UnmaskingRequest;
import io.cohort.crypto.secagg.UnmaskingResponse;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.proto.v1.SecAggTask;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.logging.Logger;

/**
 * The stages of one secure-aggregation round attempt: the coordinator side of the library's
 * {@link CoordinatorSession}, carried over the pull transport. No gRPC or framework types.
 * {@link SecureRound} decides who takes part and what the result becomes; this class runs the
 * protocol between them.
 *
 * <p>Flow: each participant gets a {@link TrainTask} with its protocol id and the peers' identity
 * keys; after training it answers with AdvertiseKeys. Each later stage is a {@link SecAggTask} to
 * the previous stage's survivors. A stage closes when every node it was sent to has answered, been
 * rejected, abandoned or stopped being live, or at the stage deadline (a round timeout each); the
 * library then decides who survived (dropouts D1–D4) or aborts.
 *
 * <p>Contracts: the coordinator learns only the weighted sum over U3; masked inputs go straight into
 * the library's single accumulator; nothing secret is stored or logged (only ids, stages and
 * counts). Thread-safe: node messages arrive on gRPC threads, the driver thread closes stages; every
 * call into the library holds this object's lock, and every settled node wakes the {@link Waiter}. A coordinator restart loses the session, and the
 * round is re-run from scratch with fresh keys (O1).
 */
final class SecureAggregationStages {
  private static final Logger LOG = Logger.getLogger(SecureAggregationStages.class.getName());

  /**
   * The round's result: the weighted mean delta by flat coordinate (for the job's strategy to turn
   * into the next global model), whose updates are in it, and their total weight.
   */
  record Outcome(Strategy.MeanDelta meanDelta, List<String> contributors,
      long examples, java.util.function.Supplier<int[]> wordSums) {}

  /**
   * The task that starts a node's part in the session (it answers with AdvertiseKeys): a
   * {@link TrainTask} for a training round, or another kind of task (issue 23 #2: the feature
   * statistics round) whose input the node masks instead of a model delta.
   */
  @FunctionalInterface
  interface FirstTask {
    /** Sets the task's kind on {@code task}, carrying {@code info} (this node's protocol id, the peers) and {@code deadline}. */
    void describe(Task.Builder task, SecAggRound info, Instant deadline);
  }

  private final JobSpec spec;
  private final int round;
  private FirstTask firstTask;
  private final NodeRegistry registry;
  private final Waiter waiter;
  private final SecAggParameters params;
  private final CoordinatorSession session;
  private final SortedMap<Integer, NodeSession> byId = new TreeMap<>();
  private final Map<String, Integer> idByNode = new HashMap<>();
  private final Map<Integer, IdentityPublicKey> keys = new HashMap<>();
  private Map<String, byte[]> certificates = Map.of();
  /** Adds a protocol's own terms to every TrainTask (distributed DP's rotation seed); none by default. */
  private java.util.function.Consumer<TrainTask.Builder> trainTerms = b -> { };
  private byte[] crlDer = new byte[0];
  /** Task ids issued per stage and protocol id; a stage's answers must quote them. */
  private final Map<SecAggStage, Map<Integer, String>> issued = new EnumMap<>(SecAggStage.class);
  private final Set<Integer> finished = new HashSet<>();
  private SecAggStage open = SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS;

  /**
   * @param participants live accepting nodes, each with a registered identity key in {@code identities}
   * @param params the library's parameters for exactly {@code participants.size()} nodes
   */
  SecureAggregationStages(JobSpec spec, int round, TensorBundle global, String modelId,
      List<NodeSession> participants, Map<String, IdentityPublicKey> identities, SecAggParameters params,
      NodeRegistry registry, Waiter waiter) {
    this(spec, round, global.sha256(), null, participants, identities, params, registry, waiter);
    this.firstTask = (task, info, deadline) -> {
      TrainTask.Builder train = TrainTask.newBuilder().setSpec(spec).setRound(round).setModelId(modelId)
          .setModelSha256(ByteString.copyFrom(global.sha256())).setDeadlineUnixMs(deadline.toEpochMilli())
          .setSecureAggregation(info);
      trainTerms.accept(train);
      task.setTrain(train);
    };
  }

  /**
   * A session whose first task is {@code firstTask} and whose input is bound to {@code inputHash}
   * (what nodes sign as the "model" in the consistency check).
   */
  SecureAggregationStages(JobSpec spec, int round, byte[] inputHash, FirstTask firstTask,
      List<NodeSession> participants, Map<String, IdentityPublicKey> identities, SecAggParameters params,
      NodeRegistry registry, Waiter waiter) {
    this.spec = spec;
    this.round = round;
    this.firstTask = firstTask;
    this.registry = registry;
    this.waiter = waiter;
    this.params = params;
    int id = 1; // protocol ids are Shamir points: never 0
    for (NodeSession s : participants) {
      byId.put(id, s);
      idByNode.put(s.nodeId(), id);
      keys.put(id, identities.get(s.nodeId()));
      id++;
    }
    this.session = new CoordinatorSession(params, spec.getJobId(), round, inputHash,
        Digests.sha256(spec.toByteArray()), (nodeId, key) -> key.equals(keys.get(nodeId)));
  }

  /** Flattened length of a model: the d of the masked vector. */
  static long vectorLength(TensorBundle model) {
    long d = 0;
    for (Tensor t : model.tensors()) {
      d += t.size();
    }
    return d;
  }

  /**
   * Runs every stage to the end.
   *
   * @throws SecAggAbortException when the library aborts (too few survivors at some stage, failed
   *     reconstruction); the participants are told to wipe their round secrets
   */
  Outcome run() throws SecAggAbortException, InterruptedException {
    try {
      sendTrainTasks(stageDeadline());
      awaitStage();
      KeyRoster roster;
      synchronized (this) {
        roster = session.closeAdvertiseKeys();
      }
      byte[] rosterBytes = roster.encode();
      send(roster.nodeIds(), SecAggStage.SEC_AGG_STAGE_SHARE_KEYS, id -> rosterBytes);
      awaitStage();
      SortedMap<Integer, ShareKeysRelay> relays;
      synchronized (this) {
        relays = session.closeShareKeys();
      }
      send(relays.keySet(), SecAggStage.SEC_AGG_STAGE_MASKED_INPUT, id -> relays.get(id).encode());
      awaitStage();
      ConsistencyCheckRequest check;
      synchronized (this) {
        check = session.closeMaskedInput();
      }
      byte[] checkBytes = check.encode();
      send(ids(check.survivors()), SecAggStage.SEC_AGG_STAGE_CONSISTENCY_CHECK, id -> checkBytes);
      awaitStage();
      List<Integer> signers;
      Map<Integer, byte[]> unmaskBytes = new HashMap<>();
      synchronized (this) {
        UnmaskingRequest unmask = session.closeConsistencyCheck();
        signers = unmask.signatures().stream().map(UnmaskingRequest.Signature::signer).toList();
        // Per node: with SecAgg+'s k-regular graph each is asked only about its dropped neighbours.
        signers.forEach(id -> unmaskBytes.put(id, session.unmaskingRequestFor(id).encode()));
      }
      send(signers, SecAggStage.SEC_AGG_STAGE_UNMASKING, unmaskBytes::get);
      awaitStage();
      AggregateResult result;
      synchronized (this) {
        result = session.finish();
        open = SecAggStage.SEC_AGG_STAGE_UNSPECIFIED;
      }
      return outcome(result);
    } catch (SecAggAbortException e) {
      abortAll("round aborted: " + e.reason());
      throw e;
    } catch (InterruptedException | RuntimeException e) {
      abortAll("round stopped");
      throw e;
    }
  }

  private Instant stageDeadline() {
    return waiter.in(Duration.ofMillis(spec.getRoundTimeoutMs()));
  }

  /**
   * Issue 21 #2: the participants' certificates (DER, by node id) and the CA's CRL, relayed with the
   * round so that each node checks its peers itself. Call before the round runs.
   */
  void relayCertificates(Map<String, byte[]> byNode, byte[] crlDer) {
    this.certificates = Map.copyOf(byNode);
    this.crlDer = crlDer.clone();
  }

  /** Terms every TrainTask of the round carries besides secure aggregation's; call before the round runs. */
  void addTrainTerms(java.util.function.Consumer<TrainTask.Builder> terms) {
    this.trainTerms = terms;
  }

  private void sendTrainTasks(Instant deadline) {
    List<SecAggPeer> peers = new ArrayList<>();
    byId.forEach((id, s) -> {
      SecAggPeer.Builder p = SecAggPeer.newBuilder().setSecaggId(id).setNodeId(s.nodeId())
          .setIdentityKeyEd25519(ByteString.copyFrom(keys.get(id).raw()));
      byte[] cert = certificates.get(s.nodeId());
      if (cert != null) {
        p.setCertificateDer(ByteString.copyFrom(cert));
      }
      peers.add(p.build());
    });
    Map<Integer, String> tasks = new HashMap<>();
    synchronized (this) {
      issued.put(SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS, tasks);
    }
    for (Map.Entry<Integer, NodeSession> e : byId.entrySet()) {
      String taskId = SecureTokens.token();
      synchronized (this) {
        tasks.put(e.getKey(), taskId);
      }
      SecAggRound info = SecAggSettings.describeTo(params).setSecaggId(e.getKey()).addAllPeers(peers)
          .setCrlDer(ByteString.copyFrom(crlDer)).build();
      Task.Builder task = Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId());
      firstTask.describe(task, info, deadline);
      registry.enqueue(e.getValue(), task.build());
    }
  }

  /** Opens {@code stage} and sends each node of {@code to} its message. */
  private void send(Collection<Integer> to, SecAggStage stage, IntFunction<byte[]> message) {
    long deadline = stageDeadline().toEpochMilli();
    Map<Integer, String> tasks = new HashMap<>();
    for (int id : to) {
      tasks.put(id, SecureTokens.token());
    }
    synchronized (this) {
      issued.put(stage, tasks);
      finished.clear();
      open = stage;
    }
    for (int id : to) {
      registry.enqueue(byId.get(id), Task.newBuilder().setTaskId(tasks.get(id)).setJobId(spec.getJobId())
          .setSecagg(SecAggTask.newBuilder().setSpec(spec).setRound(round).setStage(stage)
              .setMessage(ByteString.copyFrom(message.apply(id))).setDeadlineUnixMs(deadline))
          .build());
    }
  }

  /** Waits until every node of the open stage answered or is gone, or the stage deadline passed. */
  private void awaitStage() throws InterruptedException {
    waiter.until(() -> pendingLive() == 0, stageDeadline());
  }

  private synchronized int pendingLive() {
    if (session.stage() == CoordinatorSession.Stage.ABORTED) {
      return 0;
    }
    int pending = 0;
    for (int id : issued.getOrDefault(open, Map.of()).keySet()) {
      NodeSession s = byId.get(id);
      if (!finished.contains(id) && registry.isLive(s.nodeId(), s.sessionId())) {
        pending++;
      }
    }
    return pending;
  }

  private void abortAll(String why) {
    synchronized (this) {
      session.abort(why);
      open = SecAggStage.SEC_AGG_STAGE_UNSPECIFIED;
    }
    for (NodeSession s : byId.values()) {
      registry.enqueue(s, Task.newBuilder().setTaskId(SecureTokens.token()).setJobId(spec.getJobId())
          .setSecagg(SecAggTask.newBuilder().setSpec(spec).setRound(round).setStage(SecAggStage.SEC_AGG_STAGE_ABORT))
          .build());
    }
  }

  private static List<Integer> ids(int[] a) {
    List<Integer> out = new ArrayList<>();
    for (int v : a) {
      out.add(v);
    }
    return out;
  }

  /** Whether {@code taskId} is a task of this round (any stage). */
  synchronized boolean owns(String taskId) {
    return issued.values().stream().anyMatch(m -> m.containsValue(taskId));
  }

  /** The caller's protocol id, after checking the header names its open task of this round. */
  synchronized int check(NodeSession caller, String taskId, int claimedRound, SecAggStage stage) {
    Integer id = idByNode.get(caller.nodeId());
    if (id == null || !byId.get(id).sessionId().equals(caller.sessionId())) {
      // A node that re-registered lost its keys (O2): it counts as dropped.
      throw DomainException.precondition("node '" + caller.nodeId() + "' is not a participant of secure round " + round
          + " in its current session");
    }
    if (claimedRound != round) {
      throw DomainException.precondition("secure round is " + round + ", not " + claimedRound);
    }
    if (!taskId.equals(issued.getOrDefault(stage, Map.of()).get(id))) {
      throw DomainException.precondition("task " + taskId + " is not node '" + caller.nodeId() + "''s task for stage "
          + stage + " of round " + round);
    }
    return id;
  }

  /**
   * Hands a node's encoded stage message to the library. A malformed or foreign message is
   * {@code INVALID_ARGUMENT}; otherwise the library's {@link Receipt} is returned for the transport
   * to map. Any answer but a duplicate settles the node for the open stage.
   */
  Receipt receive(NodeSession caller, String taskId, int claimedRound, SecAggStage stage, byte[] bytes) {
    try {
      return receiveLocked(caller, taskId, claimedRound, stage, bytes);
    } finally {
      waiter.changed(); // outside this lock: the waiter's condition takes it
    }
  }

  private synchronized Receipt receiveLocked(NodeSession caller, String taskId, int claimedRound, SecAggStage stage,
      byte[] bytes) {
    int id = check(caller, taskId, claimedRound, stage);
    try {
      Receipt r = switch (stage) {
        case SEC_AGG_STAGE_ADVERTISE_KEYS -> {
          AdvertiseKeys m = AdvertiseKeys.decode(bytes);
          requireSender(m.nodeId(), id);
          yield session.receiveAdvertiseKeys(m);
        }
        case SEC_AGG_STAGE_SHARE_KEYS -> {
          ShareKeys m = ShareKeys.decode(bytes);
          requireSender(m.sender(), id);
          yield session.receiveShareKeys(m);
        }
        case SEC_AGG_STAGE_MASKED_INPUT -> {
          MaskedInput m = MaskedInput.decode(bytes);
          requireSender(m.sender(), id);
          yield session.receiveMaskedInput(m);
        }
        case SEC_AGG_STAGE_CONSISTENCY_CHECK -> {
          ConsistencyCheckResponse m = ConsistencyCheckResponse.decode(bytes);
          requireSender(m.sender(), id);
          yield session.receiveConsistencyCheck(m);
        }
        case SEC_AGG_STAGE_UNMASKING -> {
          UnmaskingResponse m = UnmaskingResponse.decode(bytes);
          requireSender(m.sender(), id);
          yield session.receiveUnmasking(m);
        }
        default -> throw DomainException.invalid("stage " + stage + " carries no node message");
      };
      settle(stage, id, r.status() != Receipt.Status.DUPLICATE);
      return r;
    } catch (MalformedMessageException e) {
      settle(stage, id, true);
      throw DomainException.invalid(stage + " message: " + e.getMessage());
    } catch (SecAggAbortException e) {
      // The session aborted (a conflicting duplicate, D11); the driver sees it when it closes the stage.
      throw DomainException.precondition("secure round " + round + " was aborted: " + e.reason());
    }
  }

  private void requireSender(int claimed, int id) {
    if (claimed != id) {
      throw DomainException.invalid("message names protocol id " + claimed + " but this node's is " + id);
    }
  }

  private void settle(SecAggStage stage, int id, boolean done) {
    if (done && stage == open) {
      finished.add(id);
    }
  }

  /** A node gives up its task of the open stage (e.g. its data changed): the stage stops waiting for it. */
  void abandon(NodeSession caller, String taskId) {
    synchronized (this) {
      Map<Integer, String> tasks = issued.getOrDefault(open, Map.of());
      Integer id = idByNode.get(caller.nodeId());
      if (id == null || !taskId.equals(tasks.get(id))) {
        throw DomainException.precondition("task " + taskId + " is not an open secure-aggregation task of node '"
            + caller.nodeId() + "'");
      }
      settle(open, id, true);
    }
    waiter.changed();
  }

  /** The weighted mean of the survivors' clipped deltas, in the global model's tensor order. */
  private Outcome outcome(AggregateResult r) {
    List<String> contributors = r.survivors().stream().map(id -> byId.get(id).nodeId()).toList();
    Map<Integer, java.util.SortedSet<Integer>> badShares;
    synchronized (this) {
      badShares = session.badShareReports(); // docs/secagg-scenarios.md, C1 (a tampered share): protocol ids, no secrets
    }
    LOG.info(() -> "job " + spec.getJobId() + " secure round " + round + ": sum over " + contributors.size() + " of "
        + byId.size() + " nodes (" + r.dropped().size() + " dropped after sharing keys"
        + (r.blamed().isEmpty() ? "" : ", blamed " + r.blamed())
        + (badShares.isEmpty() ? "" : ", unusable shares reported (reporter=[peers]): " + badShares) + ")");
    return new Outcome(r::mean, contributors, r.totalWeight(), r::quantizedSum);
  }
}
