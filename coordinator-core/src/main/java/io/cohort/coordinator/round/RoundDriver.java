package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.NodeDecision;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.crypto.Digests;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.EvaluateTask;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.InitTask;
import io.cohort.proto.v1.JobOffer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one job: offers it, then drives its rounds (train, aggregate, store, evaluate) from the
 * last completed round on. One driver thread per job; nodes' results arrive on gRPC threads.
 *
 * <p>Crash safety: the only durable step of a round is {@link JobStore#completeRound}, taken
 * after the new global model file is on disk. A restart therefore resumes at the first round
 * not recorded, re-running an interrupted round from scratch; no round is counted twice.
 */
public final class RoundDriver {
  private static final Logger LOG = Logger.getLogger(RoundDriver.class.getName());

  private final JobSpec spec;
  private final JobStore store;
  private final ModelStore models;
  private final NodeRegistry registry;
  private final Strategy strategy;
  private final Clock clock;
  private final RoundSettings settings;
  private final NodeIdentities identities;
  private volatile RoundObserver observer = RoundObserver.NONE;
  /** The open secure round, if any. */
  private volatile SecureRound secure;

  /** Offer task ids by node, for offers not yet answered. */
  private final Map<String, String> openOffers = new ConcurrentHashMap<>();
  private final Set<String> accepted = ConcurrentHashMap.newKeySet();
  private final Set<String> decided = ConcurrentHashMap.newKeySet();
  private volatile TaskCollection<ClientUpdate> training;
  private volatile TaskCollection<EvaluationResult> evaluation;
  private volatile boolean offering;
  /** The tensor layout every update of the open round must have: the global model's, or the first update's. */
  private volatile TensorBundle layoutReference;

  public RoundDriver(JobSpec spec, JobStore store, ModelStore models, NodeRegistry registry,
      Strategy strategy, Clock clock, RoundSettings settings) {
    this(spec, store, models, registry, strategy, clock, settings, new NodeIdentities());
  }

  public RoundDriver(JobSpec spec, JobStore store, ModelStore models, NodeRegistry registry,
      Strategy strategy, Clock clock, RoundSettings settings, NodeIdentities identities) {
    this.identities = identities;
    this.spec = spec;
    this.store = store;
    this.models = models;
    this.registry = registry;
    this.strategy = strategy;
    this.clock = clock;
    this.settings = settings;
    for (NodeDecision d : store.decisions(spec.getJobId())) {
      decided.add(d.nodeId());
      if (d.accepted()) {
        accepted.add(d.nodeId());
      }
    }
  }

  public String jobId() {
    return spec.getJobId();
  }

  /** Sets the audit and metrics hooks; call before {@link #run}. */
  public void observe(RoundObserver o) {
    this.observer = o;
  }

  /**
   * Drives the job from its stored state until it completes or fails.
   *
   * @return true when the job reached a terminal state or the driver was interrupted; false after
   *     an unexpected error, in which case the caller may run it again (it resumes from the store)
   */
  public boolean run() {
    String jobId = spec.getJobId();
    try {
      JobRecord job = store.job(jobId).orElseThrow();
      if (job.state().terminal()) {
        return true; // cancelled while this driver was pausing after an error
      }
      if (job.state() == JobState.OFFERED) {
        offerPhase();
        store.setState(jobId, JobState.RUNNING, null, clock.instant());
      }
      List<RoundRecord> done = store.rounds(jobId);
      if (!done.isEmpty() && done.get(done.size() - 1).evaluation() == null) {
        // Crashed between storing a round and its evaluation: evaluate it now.
        evaluate(done.get(done.size() - 1));
      }
      if (SecAggSettings.enabled(spec) && done.size() < spec.getRounds()) {
        initialise();
      }
      for (int r = done.size() + 1; r <= spec.getRounds(); r++) {
        evaluate(train(r));
      }
      store.setState(jobId, JobState.COMPLETED, null, clock.instant());
      LOG.info(() -> "job " + jobId + " completed " + spec.getRounds() + " rounds");
      return true;
    } catch (JobFailure f) {
      LOG.warning(() -> "job " + jobId + " failed: " + f.getMessage());
      store.setState(jobId, JobState.FAILED, f.getMessage(), clock.instant());
      return true;
    } catch (InterruptedException e) {
      LOG.info(() -> "job " + jobId + " paused by shutdown; it resumes at the next start");
      Thread.currentThread().interrupt();
      return true;
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "job " + jobId + " stopped by an internal error; retrying from its last stored round", e);
      return false;
    }
  }

  // ---- offers -------------------------------------------------------------------------------

  /** A node registered: offer the job unless it already answered. */
  public void onRegistered(NodeSession session) {
    if (!decided.contains(session.nodeId())) {
      sendOffer(session);
    }
  }

  private void sendOffer(NodeSession session) {
    String taskId = SecureTokens.token();
    openOffers.put(session.nodeId(), taskId);
    registry.enqueue(session, Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId())
        .setOffer(JobOffer.newBuilder().setSpec(spec)).build());
  }

  public void answerOffer(NodeSession session, boolean accept, String reason) {
    if (!openOffers.containsKey(session.nodeId()) && !decided.contains(session.nodeId())) {
      throw DomainException.precondition("job " + spec.getJobId() + " was not offered to node '" + session.nodeId() + "'");
    }
    String why = accept ? null : (reason == null || reason.isBlank() ? "no reason given" : reason);
    store.recordDecision(new NodeDecision(spec.getJobId(), session.nodeId(), accept, why, clock.instant()));
    openOffers.remove(session.nodeId());
    decided.add(session.nodeId());
    observer.offerAnswered(spec.getJobId(), session.nodeId(), accept, why);
    if (accept) {
      accepted.add(session.nodeId());
      LOG.info(() -> "node " + session.nodeId() + " accepted job " + spec.getJobId());
    } else {
      accepted.remove(session.nodeId());
      LOG.info(() -> "node " + session.nodeId() + " declined job " + spec.getJobId() + ": " + why);
    }
  }

  private void offerPhase() throws InterruptedException {
    offering = true;
    for (NodeSession s : registry.liveSessions()) {
      onRegistered(s);
    }
    long windowEnd = clock.millis() + spec.getRoundTimeoutMs();
    while (true) {
      // A node that was briefly not live when the phase began (a slow heartbeat) gets its offer now.
      for (NodeSession s : registry.liveSessions()) {
        if (!decided.contains(s.nodeId()) && !openOffers.containsKey(s.nodeId())) {
          sendOffer(s);
        }
      }
      boolean allLiveAnswered = registry.liveSessions().stream().allMatch(s -> decided.contains(s.nodeId()));
      if (accepted.size() >= spec.getMinNodes() && (allLiveAnswered || clock.millis() >= windowEnd)) {
        break;
      }
      Thread.sleep(settings.pollInterval().toMillis());
    }
    offering = false;
    LOG.info(() -> "job " + spec.getJobId() + " starts with " + accepted.size() + " accepting nodes");
  }

  boolean offering() {
    return offering;
  }

  // ---- training -----------------------------------------------------------------------------

  private List<NodeSession> liveParticipants() {
    List<NodeSession> out = new ArrayList<>();
    for (NodeSession s : registry.liveSessions()) {
      if (accepted.contains(s.nodeId())) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Secure jobs: makes sure the round-0 model (the job's seeded initialisation, asked of one
   * accepting node) is stored, so every secure round has a global model to take deltas from.
   */
  private void initialise() throws JobFailure, InterruptedException {
    String id = ModelStore.modelId(spec.getJobId(), 0);
    if (models.exists(id)) {
      return;
    }
    String lastProblem = "no accepting node connected";
    for (int attempt = 1; attempt <= settings.maxRoundAttempts(); attempt++) {
      List<NodeSession> nodes = waitForParticipants(clock.millis() + spec.getRoundTimeoutMs());
      if (nodes.isEmpty()) {
        continue;
      }
      NodeSession n = nodes.get((attempt - 1) % nodes.size());
      TaskCollection<ClientUpdate> c = new TaskCollection<>("initialisation", 0);
      String taskId = SecureTokens.token();
      c.expect(taskId, n);
      layoutReference = null;
      registry.enqueue(n, Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId())
          .setInit(InitTask.newBuilder().setSpec(spec)).build());
      training = c;
      Map<String, ClientUpdate> results =
          c.awaitAndClose(clock.millis() + spec.getRoundTimeoutMs(), registry::isLive, settings.pollInterval().toMillis());
      if (!results.isEmpty()) {
        models.write(spec.getJobId(), 0, results.values().iterator().next().parameters());
        LOG.info(() -> "job " + spec.getJobId() + ": stored the initial model from node " + n.nodeId());
        return;
      }
      lastProblem = "node " + n.nodeId() + " sent no initial model"
          + (c.abandonedReasons().isEmpty() ? "" : ": " + c.abandonedReasons());
    }
    throw new JobFailure("initialisation failed " + settings.maxRoundAttempts() + " times; last: " + lastProblem);
  }

  private RoundRecord train(int round) throws JobFailure, InterruptedException {
    if (SecAggSettings.enabled(spec)) {
      return trainSecurely(round);
    }
    Optional<TensorBundle> global = round == 1 ? Optional.empty() : Optional.of(loadModel(round - 1));
    String startModel = round == 1 ? "" : ModelStore.modelId(spec.getJobId(), round - 1);
    byte[] startSha = global.map(TensorBundle::sha256).orElse(new byte[0]);
    String lastProblem = "";
    for (int attempt = 1; attempt <= settings.maxRoundAttempts(); attempt++) {
      Instant started = clock.instant();
      List<NodeSession> participants = waitForParticipants(clock.millis() + spec.getRoundTimeoutMs());
      long deadline = clock.millis() + spec.getRoundTimeoutMs();
      if (participants.size() < spec.getMinNodes()) {
        lastProblem = "only " + participants.size() + " accepting nodes connected, min_nodes is " + spec.getMinNodes();
        LOG.warning("job " + spec.getJobId() + " round " + round + " attempt " + attempt + ": " + lastProblem);
        continue;
      }
      observer.roundStarted(spec.getJobId(), round, attempt, participants.stream().map(NodeSession::nodeId).toList(),
          false);
      TaskCollection<ClientUpdate> c = new TaskCollection<>("training", round);
      layoutReference = global.orElse(null);
      for (NodeSession p : participants) {
        String taskId = SecureTokens.token();
        c.expect(taskId, p);
        registry.enqueue(p, Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId())
            .setTrain(TrainTask.newBuilder().setSpec(spec).setRound(round).setModelId(startModel)
                .setModelSha256(com.google.protobuf.ByteString.copyFrom(startSha)).setDeadlineUnixMs(deadline))
            .build());
      }
      training = c;
      Map<String, ClientUpdate> results =
          c.awaitAndClose(deadline, registry::isLive, settings.pollInterval().toMillis());
      if (results.size() >= spec.getMinNodes()) {
        return aggregate(round, attempt, participants, results, global, started);
      }
      lastProblem = results.size() + " of " + participants.size() + " nodes returned an update, min_nodes is "
          + spec.getMinNodes() + (c.abandonedReasons().isEmpty() ? "" : "; abandoned: " + c.abandonedReasons());
      LOG.warning("job " + spec.getJobId() + " round " + round + " attempt " + attempt + ": " + lastProblem);
      observer.roundAttemptFailed(spec.getJobId(), round, attempt, lastProblem);
    }
    throw new JobFailure("round " + round + " failed " + settings.maxRoundAttempts() + " times; last: " + lastProblem);
  }

  /** A round under secure aggregation: the coordinator learns only the weighted sum of the deltas. */
  private RoundRecord trainSecurely(int round) throws JobFailure, InterruptedException {
    TensorBundle global = loadModel(round - 1);
    String startModel = ModelStore.modelId(spec.getJobId(), round - 1);
    String lastProblem = "";
    for (int attempt = 1; attempt <= settings.maxRoundAttempts(); attempt++) {
      Instant started = clock.instant();
      List<NodeSession> live = waitForParticipants(clock.millis() + spec.getRoundTimeoutMs());
      List<NodeSession> participants = new ArrayList<>();
      Map<String, io.cohort.crypto.keys.IdentityPublicKey> keys = new java.util.HashMap<>();
      for (NodeSession p : live) {
        identities.get(p.nodeId()).ifPresent(k -> {
          participants.add(p);
          keys.put(p.nodeId(), k);
        });
      }
      if (participants.size() < Math.max(2, spec.getMinNodes())) {
        lastProblem = "only " + participants.size() + " accepting nodes with identity keys connected, min_nodes is "
            + spec.getMinNodes() + (participants.size() < live.size() ? " (nodes without an identity key cannot take"
            + " part in secure aggregation)" : "");
        LOG.warning("job " + spec.getJobId() + " round " + round + " attempt " + attempt + ": " + lastProblem);
        continue;
      }
      SecureRound r;
      try {
        long d = SecureRound.vectorLength(global);
        if (d > io.cohort.crypto.secagg.SecAggParameters.MAX_VECTOR_LENGTH) {
          throw new JobFailure("secure aggregation: the model has " + d + " coordinates, more than one round can mask");
        }
        r = new SecureRound(spec, round, global, startModel, participants, keys,
            SecAggSettings.parameters(spec, participants.size(), (int) d), registry, clock,
            settings.pollInterval().toMillis());
      } catch (io.cohort.crypto.secagg.InvalidSecAggParametersException e) {
        lastProblem = "secure aggregation cannot run with " + participants.size() + " nodes: " + e.getMessage();
        LOG.warning("job " + spec.getJobId() + " round " + round + " attempt " + attempt + ": " + lastProblem);
        continue;
      }
      secure = r;
      observer.roundStarted(spec.getJobId(), round, attempt, participants.stream().map(NodeSession::nodeId).toList(),
          true);
      try {
        long protocolStart = System.nanoTime();
        SecureRound.Outcome out = r.run();
        java.time.Duration protocol = java.time.Duration.ofNanos(System.nanoTime() - protocolStart);
        if (out.contributors().size() < spec.getMinNodes()) {
          lastProblem = out.contributors().size() + " updates in the secure sum, min_nodes is " + spec.getMinNodes();
          observer.roundAttemptFailed(spec.getJobId(), round, attempt, lastProblem);
          continue;
        }
        ModelStore.StoredModel stored = models.write(spec.getJobId(), round,
            strategy.applyMeanDelta(round, global, out.meanDelta()));
        RoundRecord record = new RoundRecord(spec.getJobId(), round, attempt,
            participants.stream().map(NodeSession::nodeId).toList(), out.contributors(), out.examples(),
            stored.modelId(), stored.sha256Hex(), started, clock.instant(), null);
        store.completeRound(record, clock.instant());
        LOG.info(() -> "job " + spec.getJobId() + " round " + round + " securely aggregated " + out.contributors().size()
            + "/" + participants.size() + " updates (" + out.examples() + " examples)");
        observer.roundCompleted(record, protocol, true);
        return record;
      } catch (io.cohort.crypto.secagg.SecAggAbortException e) {
        lastProblem = "secure aggregation aborted: " + e.getMessage();
        LOG.warning("job " + spec.getJobId() + " round " + round + " attempt " + attempt + ": " + lastProblem);
        observer.roundAttemptFailed(spec.getJobId(), round, attempt, lastProblem);
      } finally {
        secure = null;
      }
    }
    throw new JobFailure("round " + round + " failed " + settings.maxRoundAttempts() + " times; last: " + lastProblem);
  }

  /** Checks a secure-aggregation upload's header before its bytes are received. */
  public void checkSecAgg(NodeSession caller, String taskId, int round, io.cohort.proto.v1.SecAggStage stage) {
    openSecureRound(taskId).check(caller, taskId, round, stage);
  }

  /** Hands a node's stage message to the open secure round; returns the library's verdict. */
  public io.cohort.crypto.secagg.Receipt deliverSecAgg(NodeSession caller, String taskId, int round,
      io.cohort.proto.v1.SecAggStage stage, byte[] message) {
    return openSecureRound(taskId).receive(caller, taskId, round, stage, message);
  }

  private SecureRound openSecureRound(String taskId) {
    SecureRound r = secure;
    if (r == null || !r.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open secure-aggregation task of job "
          + spec.getJobId());
    }
    return r;
  }

  private List<NodeSession> waitForParticipants(long deadline) throws InterruptedException {
    List<NodeSession> participants = liveParticipants();
    while (participants.size() < spec.getMinNodes() && clock.millis() < deadline) {
      Thread.sleep(settings.pollInterval().toMillis());
      participants = liveParticipants();
    }
    return participants;
  }

  private RoundRecord aggregate(int round, int attempt, List<NodeSession> participants,
      Map<String, ClientUpdate> results, Optional<TensorBundle> global, Instant started) {
    List<ClientUpdate> updates = new ArrayList<>(results.values());
    long aggregationStart = System.nanoTime();
    TensorBundle next = strategy.aggregate(round, global, updates);
    java.time.Duration aggregation = java.time.Duration.ofNanos(System.nanoTime() - aggregationStart);
    ModelStore.StoredModel stored = models.write(spec.getJobId(), round, next);
    long examples = updates.stream().mapToLong(ClientUpdate::numExamples).sum();
    RoundRecord record = new RoundRecord(spec.getJobId(), round, attempt,
        participants.stream().map(NodeSession::nodeId).toList(), List.copyOf(results.keySet()), examples,
        stored.modelId(), stored.sha256Hex(), started, clock.instant(), null);
    store.completeRound(record, clock.instant());
    LOG.info(() -> "job " + spec.getJobId() + " round " + round + " aggregated " + results.size() + "/"
        + participants.size() + " updates (" + examples + " examples) with " + strategy.name());
    observer.roundCompleted(record, aggregation, false);
    return record;
  }

  private TensorBundle loadModel(int round) throws JobFailure {
    String id = ModelStore.modelId(spec.getJobId(), round);
    try {
      return models.read(id);
    } catch (IOException | WireFormatException e) {
      throw new JobFailure("global model " + id + " cannot be read: " + e.getMessage());
    }
  }

  /** Accepts a node's update for the open training round. */
  public void deliverUpdate(NodeSession caller, String taskId, int round, ClientUpdate update) {
    TaskCollection<ClientUpdate> c = training;
    if (c == null || !c.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open training task of job " + spec.getJobId());
    }
    checkLayout(update);
    c.deliver(taskId, caller, round, update);
  }

  private synchronized void checkLayout(ClientUpdate update) {
    TensorBundle ref = layoutReference;
    if (ref != null && !ref.sameLayout(update.parameters())) {
      throw DomainException.invalid("update has tensors " + update.parameters().tensors()
          + " but the round's model has " + ref.tensors());
    }
    for (var t : update.parameters().tensors()) {
      for (float v : t.values()) {
        if (!Float.isFinite(v)) {
          throw DomainException.invalid("update tensor '" + t.name() + "' contains NaN or infinite values");
        }
      }
    }
    if (ref == null) {
      layoutReference = update.parameters();
    }
  }

  /** Checks an update's header before its bytes are received, so a doomed upload stops early. */
  public void checkUpdate(NodeSession caller, String taskId, int round) {
    TaskCollection<ClientUpdate> c = training;
    if (c == null || !c.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open training task of job " + spec.getJobId());
    }
    c.check(taskId, caller, round);
  }

  // ---- evaluation ---------------------------------------------------------------------------

  private void evaluate(RoundRecord round) throws InterruptedException {
    // After a restart no node may be connected yet: give them the evaluation window to come back,
    // rather than recording an evaluation of nobody that is never redone.
    List<NodeSession> nodes = waitForParticipants(clock.millis() + settings.evaluationTimeout().toMillis());
    TaskCollection<EvaluationResult> c = new TaskCollection<>("evaluation", round.round());
    byte[] sha = HexFormat.of().parseHex(round.modelSha256());
    for (NodeSession n : nodes) {
      String taskId = SecureTokens.token();
      c.expect(taskId, n);
      registry.enqueue(n, Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId())
          .setEvaluate(EvaluateTask.newBuilder().setSpec(spec).setRound(round.round()).setModelId(round.modelId())
              .setModelSha256(com.google.protobuf.ByteString.copyFrom(sha)))
          .build());
    }
    evaluation = c;
    Map<String, EvaluationResult> results = c.awaitAndClose(
        clock.millis() + settings.evaluationTimeout().toMillis(), registry::isLive, settings.pollInterval().toMillis());
    PooledEvaluation pooled = new PooledEvaluation();
    for (Map.Entry<String, EvaluationResult> e : results.entrySet()) {
      try {
        pooled.add(e.getValue());
      } catch (IllegalArgumentException bad) {
        LOG.warning("job " + spec.getJobId() + " round " + round.round() + ": evaluation from node "
            + e.getKey() + " ignored: " + bad.getMessage());
      }
    }
    RoundRecord.Evaluation eval = new RoundRecord.Evaluation(
        results.size(), pooled.examples(), pooled.meanLoss(), pooled.accuracy(), pooled.rocAuc(), pooled.f1());
    store.recordEvaluation(spec.getJobId(), round.round(), eval);
    LOG.info(() -> String.format("job %s round %d: %d nodes evaluated %d examples: loss %.4f accuracy %.4f roc_auc %.4f",
        spec.getJobId(), round.round(), eval.nodes(), eval.examples(), eval.loss(), eval.accuracy(), eval.rocAuc()));
  }

  public void deliverEvaluation(NodeSession caller, String taskId, int round, EvaluationResult result) {
    if (result.getPositiveScoreHistogramCount() != result.getNegativeScoreHistogramCount()
        || result.getPositiveScoreHistogramCount() > 100_000 || result.getNumExamples() < 0
        || result.getNumCorrect() < 0 || result.getNumCorrect() > result.getNumExamples()
        || !Double.isFinite(result.getLossSum())) {
      throw DomainException.invalid("evaluation result is inconsistent: histograms of equal length (at most 100000),"
          + " 0 <= num_correct <= num_examples and a finite loss_sum are required");
    }
    TaskCollection<EvaluationResult> c = evaluation;
    if (c == null || !c.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open evaluation task of job " + spec.getJobId());
    }
    c.deliver(taskId, caller, round, result);
  }

  /** A node gives up a task; the round goes on without it. */
  public void abandon(NodeSession caller, String taskId, String reason) {
    TaskCollection<ClientUpdate> t = training;
    if (t != null && t.owns(taskId)) {
      t.abandon(taskId, caller, reason);
      LOG.warning("node " + caller.nodeId() + " abandoned round " + t.round() + " of job " + spec.getJobId() + ": " + reason);
      return;
    }
    SecureRound sr = secure;
    if (sr != null && sr.owns(taskId)) {
      sr.abandon(caller, taskId);
      LOG.warning("node " + caller.nodeId() + " abandoned its secure-aggregation task of job " + spec.getJobId() + ": "
          + reason);
      return;
    }
    TaskCollection<EvaluationResult> e = evaluation;
    if (e != null && e.owns(taskId)) {
      e.abandon(taskId, caller, reason);
      return;
    }
    throw DomainException.precondition("task " + taskId + " is not an open task of job " + spec.getJobId());
  }

  /** Whether the model id names a model of this job that a node may download. */
  public boolean ownsModel(String modelId) {
    return modelId.startsWith(spec.getJobId() + "/");
  }

  static String shortHash(byte[] sha) {
    return Digests.hex(sha).substring(0, 12);
  }
}
