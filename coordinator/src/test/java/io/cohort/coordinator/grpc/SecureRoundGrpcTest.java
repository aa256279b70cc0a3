package io.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.app.CoordinatorConfig;
import io.cohort.coordinator.app.JobService;
import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.ConsistencyCheckRequest;
import io.cohort.crypto.secagg.KeyRoster;
import io.cohort.crypto.secagg.ModelUpdate;
import io.cohort.crypto.secagg.SecAggNodeSession;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.ShareKeysRelay;
import io.cohort.crypto.secagg.UnmaskingRequest;
import io.cohort.proto.v1.AggregationStrategy;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.NodePublicKeys;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PushEvaluationRequest;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.PushSecAggResponse;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.SecAggHeader;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.proto.v1.SessionRef;
import io.cohort.proto.v1.StrategySpec;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.proto.v1.UpdateHeader;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorChunker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Secure rounds over the real gRPC socket: fake nodes drive the crypto library's {@link SecAggNodeSession}
 * through the new task kinds and {@code PushSecAgg}, and the stored global model must be the global
 * plus the example-weighted mean of the clipped deltas, within the quantisation bound.
 */
@QuarkusTest
class SecureRoundGrpcTest {
  private static final double CLIP = 0.5;
  private static final long MAX_EXAMPLES = 1000;
  private static final TensorBundle INITIAL = new TensorBundle(List.of(
      new Tensor("w", new long[] {3, 4}, new float[] {.1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f, .9f, 1f, 1.1f, 1.2f}),
      new Tensor("b", new long[] {4}, new float[] {-.1f, -.2f, -.3f, -.4f})));

  @ConfigProperty(name = "quarkus.grpc.server.test-port") int port;
  @Inject JobService jobs;
  @Inject JobStore store;
  @Inject ModelStore models;
  @Inject JobScheduler scheduler;
  @Inject CoordinatorConfig config;

  private ManagedChannel channel;
  private final List<String> logLines = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logLines.add(String.valueOf(r.getMessage()) + " " + java.util.Arrays.toString(r.getParameters()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  enum Drop { NONE, BEFORE_MASKED_INPUT, AFTER_MASKED_INPUT }

  @BeforeEach
  void connect() {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void close() throws InterruptedException {
    Logger.getLogger("").removeHandler(capture);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void fourNodes_globalIsInitialPlusWeightedMeanOfDeltas_andNoPlaintextUpdateIsAccepted() throws Exception {
    long seed = System.nanoTime();
    RoundRecord r = runRound("sa4", seed, 4, "", Map.of());
    FakeNode[] nodes = lastNodes;
    assertThat(r.contributors()).as("seed %d", seed).containsExactlyInAnyOrder("sa4-1", "sa4-2", "sa4-3", "sa4-4");
    assertStoredModel(r, Set.of(0, 1, 2, 3), nodes, seed);
    for (FakeNode n : nodes) {
      assertThat(n.plainTrainTasks).as("every TrainTask asks for secure aggregation (seed %d)", seed).isZero();
    }
    assertThat(nodes[0].plaintextPushCode).as("a plaintext update for a secure round is refused")
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertNoSecretInLogs(nodes);
  }

  @Test
  void fiveNodes_oneDropsBeforeAndOneAfterMaskedInput_sumIsOverTheRightSet() throws Exception {
    long seed = System.nanoTime();
    // Node 2 drops before sending its masked input (D2), node 1 right after sending it (D3):
    // U3 = {1, 3, 4, 5}, and 3, 4, 5 (t = 3) answer the consistency check and unmasking.
    RoundRecord r = runRound("sa5", seed, 5, "  threshold: 3\n",
        Map.of(1, Drop.AFTER_MASKED_INPUT, 2, Drop.BEFORE_MASKED_INPUT));
    assertThat(r.contributors()).as("seed %d", seed).containsExactlyInAnyOrder("sa5-1", "sa5-3", "sa5-4", "sa5-5");
    assertStoredModel(r, Set.of(0, 2, 3, 4), lastNodes, seed);
  }

  // Issue 22 #5: concurrent jobs never share or starve each other's secure-aggregation sessions.
  @Test
  void twoSecureJobsAtOnceOnTheSameNodes_eachCompletesItsFirstAttemptOverItsOwnSession() throws Exception {
    long seed = System.nanoTime();
    FakeNode[] nodes = fakeNodes("cc", seed, 3, Map.of());
    String a = jobs.submit(secureJob("cc-a", ""), "cc-a.yaml").getJobId();
    String b = jobs.submit(secureJob("cc-b", ""), "cc-b.yaml").getJobId();
    runUntilTerminal(nodes, List.of(a, b));
    for (String job : List.of(a, b)) {
      assertThat(store.job(job).orElseThrow().state().name())
          .as("job %s, seed %d; failure: %s", job, seed, store.job(job).orElseThrow().failureReason())
          .isEqualTo("COMPLETED");
      RoundRecord r = store.rounds(job).get(0);
      assertThat(r.attempt()).as("job %s finished in its first attempt (seed %d)", job, seed).isEqualTo(1);
      assertThat(r.contributors()).as("seed %d", seed).containsExactlyInAnyOrder("cc-1", "cc-2", "cc-3");
      // Both jobs sum the same deltas: each model is the right sum, so neither took the other's masks.
      assertStoredModel(r, Set.of(0, 1, 2), nodes, seed);
    }
    assertThat(nodes[0].secaggs).as("one session per job on the node").containsOnlyKeys(a, b);
  }

  @Test
  void fedAdam_stepsOnTheSecureMeanDelta_andStoresItsServerState() throws Exception {
    long seed = System.nanoTime();
    double eta = 0.05;
    StrategySpec adam = StrategySpec.newBuilder()
        .setKind(AggregationStrategy.AGGREGATION_STRATEGY_FEDADAM).setServerLearningRate(eta)
        .setBeta1(0.9).setBeta2(0.99).setTau(1e-3).build();
    RoundRecord r = runRound("fa4", seed, 4, "", Map.of(), adam);
    FakeNode[] nodes = lastNodes;
    TensorBundle stored = models.read(r.modelId());
    double[] weighted = new double[16];
    long total = 0;
    for (FakeNode f : nodes) {
      total += f.examples;
      for (int j = 0; j < 16; j++) {
        weighted[j] += f.examples * Math.max(-CLIP, Math.min(CLIP, f.delta[j]));
      }
    }
    // quantisation error of the mean delta, times the step's largest slope in d: 0.1 / tau
    double bound = eta * (0.1 / 1e-3) * (4 * (CLIP / 32767) * MAX_EXAMPLES / total + 1e-6);
    int at = 0;
    for (Tensor t : INITIAL.tensors()) {
      float[] got = stored.get(t.name()).values();
      for (int i = 0; i < got.length; i++, at++) {
        double d = weighted[at] / total;
        double m = 0.1 * d;
        double v = 0.01 * d * d;
        double expected = t.values()[i] + eta * m / (Math.sqrt(v) + 1e-3);
        assertThat((double) got[i]).as("coordinate %d (seed %d)", at, seed)
            .isCloseTo(expected, org.assertj.core.data.Offset.offset(bound));
      }
    }
    assertThat(java.nio.file.Path.of(config.dataDir(), "models", r.jobId(), "round-1.server-state.bundle"))
        .as("FedAdam's moments are stored with the round's model").isRegularFile();
  }

  private FakeNode[] lastNodes;

  private static String secureJob(String name, String extra) {
    return """
        name: %s
        task: tabular_classification
        dataset: d
        rounds: 1
        min_nodes: 3
        round_timeout_seconds: 20
        tabular: {label: y, classes: ['0', '1'], numeric: [x], standardize: local}
        secure_aggregation:
          clip: %s
          max_examples: %d
        %s""".formatted(name, CLIP, MAX_EXAMPLES, extra);
  }

  private FakeNode[] fakeNodes(String prefix, long seed, int n, Map<Integer, Drop> drops) {
    FakeNode[] nodes = new FakeNode[n];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      float[] delta = new float[16];
      for (int j = 0; j < delta.length; j++) {
        delta[j] = (float) (rnd.nextDouble(-0.7, 0.7)); // some beyond the clip bound
      }
      nodes[i] = new FakeNode(prefix + "-" + (i + 1), delta, 100L * (i + 1), drops.getOrDefault(i + 1, Drop.NONE));
    }
    return nodes;
  }

  /** Runs the nodes in the given jobs until every job has ended (or a minute passed). */
  private void runUntilTerminal(FakeNode[] nodes, List<String> jobIds) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (FakeNode f : nodes) {
      f.jobs.addAll(jobIds);
      Thread t = new Thread(f, f.name);
      t.start();
      threads.add(t);
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline
        && !jobIds.stream().allMatch(j -> store.job(j).orElseThrow().state().terminal())) {
      Thread.sleep(50);
    }
    for (FakeNode f : nodes) {
      f.stop = true;
    }
    for (Thread t : threads) {
      t.join(5_000);
    }
  }

  private RoundRecord runRound(String prefix, long seed, int n, String extra, Map<Integer, Drop> drops)
      throws Exception {
    return runRound(prefix, seed, n, extra, drops, null);
  }

  private RoundRecord runRound(String prefix, long seed, int n, String extra, Map<Integer, Drop> drops,
      StrategySpec strategy) throws Exception {
    String yaml = secureJob(prefix, extra);
    FakeNode[] nodes = fakeNodes(prefix, seed, n, drops);
    String jobId;
    if (strategy == null) {
      jobId = jobs.submit(yaml.replace("\n  threshold", "\n  threshold"), prefix + ".yaml").getJobId();
    } else {
      // The job file's strategy: block is parsed elsewhere; build the spec directly.
      JobSpec spec = JobFiles.parse(yaml, prefix + ".yaml",
          "job-" + prefix + Long.toHexString(seed & 0xffffff)).toBuilder().setStrategy(strategy).build();
      store.createJob(spec, java.time.Instant.now());
      scheduler.start(spec);
      jobId = spec.getJobId();
    }
    runUntilTerminal(nodes, List.of(jobId));
    lastNodes = nodes;
    assertThat(store.job(jobId).orElseThrow().state().name())
        .as("seed %d; failure: %s", seed, store.job(jobId).orElseThrow().failureReason()).isEqualTo("COMPLETED");
    return store.rounds(jobId).get(0);
  }

  private void assertStoredModel(RoundRecord r, Set<Integer> survivors, FakeNode[] nodes, long seed) throws Exception {
    TensorBundle stored = models.read(r.modelId());
    double[] weighted = new double[16];
    long total = 0;
    for (int i : survivors) {
      total += nodes[i].examples;
      for (int j = 0; j < 16; j++) {
        weighted[j] += nodes[i].examples * Math.max(-CLIP, Math.min(CLIP, nodes[i].delta[j]));
      }
    }
    assertThat(r.numExamples()).as("total weight (seed %d)", seed).isEqualTo(total);
    double step = CLIP / 32767;
    double bound = survivors.size() * step * MAX_EXAMPLES / total + 1e-6;
    int at = 0;
    for (Tensor t : INITIAL.tensors()) {
      float[] got = stored.get(t.name()).values();
      for (int i = 0; i < got.length; i++, at++) {
        double expected = t.values()[i] + weighted[at] / total;
        assertThat((double) got[i]).as("coordinate %d (seed %d)", at, seed)
            .isCloseTo(expected, org.assertj.core.data.Offset.offset(bound));
      }
    }
  }

  /** No log line carries any slice of the stage messages the nodes sent (shares, masked inputs, keys). */
  private void assertNoSecretInLogs(FakeNode[] nodes) {
    String all = String.join("\n", logLines).toLowerCase();
    assertThat(logLines).as("log capture works").isNotEmpty();
    for (FakeNode f : nodes) {
      for (byte[] m : f.sent) {
        if (m.length >= 48) {
          String hex = HexFormat.of().formatHex(m, m.length - 24, m.length - 8);
          String b64 = java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(m, m.length - 24,
              m.length - 12));
          assertThat(all).doesNotContain(hex);
          assertThat(all).doesNotContain(b64.toLowerCase());
        }
      }
    }
  }

  /** A node on its own thread: pulls, answers with the library's SecAggNodeSession, drops when told. */
  final class FakeNode implements Runnable {
    final String name;
    final float[] delta;
    final long examples;
    final Drop drop;
    final IdentityKeyPair identity = IdentityKeyPair.generate();
    final List<byte[]> sent = new CopyOnWriteArrayList<>();
    /** The jobs this node takes part in (tasks of other jobs, from earlier tests, are ignored). */
    final Set<String> jobs = ConcurrentHashMap.newKeySet();
    volatile boolean stop;
    volatile int plainTrainTasks;
    volatile Status.Code plaintextPushCode;
    private final NodeServiceGrpc.NodeServiceBlockingStub stub =
        NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    private SessionRef session;
    // One secure-aggregation session and round per job: a node can be in several jobs at once.
    private final Map<String, SecAggNodeSession> secaggs = new ConcurrentHashMap<>();
    private final Map<String, Integer> rounds = new ConcurrentHashMap<>();

    FakeNode(String name, float[] delta, long examples, Drop drop) {
      this.name = name;
      this.delta = delta;
      this.examples = examples;
      this.drop = drop;
      String s = stub.register(RegisterRequest.newBuilder().setNodeId(name).setSoftwareVersion("test")
          .setPublicKeys(NodePublicKeys.newBuilder().setIdentityKeyEd25519(ByteString.copyFrom(
              identity.publicKey().raw()))).build()).getSessionId();
      session = SessionRef.newBuilder().setNodeId(name).setSessionId(s).build();
    }

    @Override
    public void run() {
      try {
        while (!stop) {
          var r = stub.pullTask(PullTaskRequest.newBuilder().setSession(session).setMaxWaitMs(200).build());
          if (r.hasTask() && jobs.contains(r.getTask().getJobId()) && !handle(r.getTask())) {
            return; // dropped out: no more calls, so the coordinator sees it go silent
          }
        }
      } catch (Exception e) {
        if (!stop) {
          throw new AssertionError(name + ": " + e, e);
        }
      }
    }

    private boolean handle(Task t) throws Exception {
      String jobId = t.getJobId();
      switch (t.getKindCase()) {
        case OFFER -> stub.answerOffer(AnswerOfferRequest.newBuilder().setSession(session).setJobId(jobId)
            .setAccept(true).build());
        case INIT -> pushUpdate(jobId, t.getTaskId(), 0, INITIAL);
        case TRAIN -> train(t);
        case SECAGG -> {
          return stage(t);
        }
        case EVALUATE -> evaluate(t);
        default -> { }
      }
      return true;
    }

    private void evaluate(Task t) {
      try {
        stub.pushEvaluation(PushEvaluationRequest.newBuilder().setSession(session).setJobId(t.getJobId())
            .setTaskId(t.getTaskId()).setRound(t.getEvaluate().getRound()).setResult(EvaluationResult.newBuilder()
                .setNumExamples(1).setLossSum(0.5).setNumCorrect(1).addPositiveScoreHistogram(1)
                .addNegativeScoreHistogram(0)).build());
      } catch (StatusRuntimeException e) {
        // the evaluation may have closed already; it is not what these tests check
      }
    }

    private void train(Task t) throws Exception {
      TrainTask tt = t.getTrain();
      if (!tt.hasSecureAggregation()) {
        plainTrainTasks++;
        return;
      }
      String jobId = t.getJobId();
      int round = tt.getRound();
      rounds.put(jobId, round);
      try {
        pushUpdate(jobId, t.getTaskId(), round, INITIAL); // must be refused: the round is secure
      } catch (StatusRuntimeException e) {
        plaintextPushCode = e.getStatus().getCode();
      }
      SecAggRound info = tt.getSecureAggregation();
      SecAggParameters p = SecAggParameters.builder().maxCohortSize(info.getPeersCount())
          .threshold(info.getThreshold()).minCohortSize(info.getMinCohortSize()).vectorLength(info.getVectorLength())
          .quantizationBits(info.getBits()).clipBound(info.getClip()).exampleCountWeights(info.getMaxExamples()).build();
      Map<Integer, IdentityPublicKey> peers = new HashMap<>();
      for (SecAggPeer peer : info.getPeersList()) {
        peers.put(peer.getSecaggId(), IdentityPublicKey.fromRaw(peer.getIdentityKeyEd25519().toByteArray()));
      }
      SecAggNodeSession secagg = SecAggNodeSession.builder(p).round(jobId, round).node(info.getSecaggId(), identity)
          .received(tt.getModelSha256().toByteArray(), Digests.sha256(tt.getSpec().toByteArray()))
          .certifiedIdentities((id, key) -> key.equals(peers.get(id))).build();
      secaggs.put(jobId, secagg);
      pushSecAgg(jobId, t.getTaskId(), SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS, secagg.advertiseKeys().encode());
    }

    private boolean stage(Task t) throws Exception {
      var s = t.getSecagg();
      String jobId = t.getJobId();
      SecAggNodeSession secagg = secaggs.get(jobId);
      byte[] m = s.getMessage().toByteArray();
      byte[] answer;
      switch (s.getStage()) {
        case SEC_AGG_STAGE_SHARE_KEYS -> answer = secagg.shareKeys(KeyRoster.decode(m)).encode();
        case SEC_AGG_STAGE_MASKED_INPUT -> {
          if (drop == Drop.BEFORE_MASKED_INPUT) {
            return false;
          }
          // Clipped before masking, as a real node does (the library clips the count-scaled value).
          float[] clipped = new float[delta.length];
          for (int j = 0; j < delta.length; j++) {
            clipped[j] = (float) Math.max(-CLIP, Math.min(CLIP, delta[j]));
          }
          answer = secagg.maskedInput(ShareKeysRelay.decode(m), new ModelUpdate(clipped, examples)).encode();
        }
        case SEC_AGG_STAGE_CONSISTENCY_CHECK -> answer = secagg.consistencyCheck(ConsistencyCheckRequest.decode(m))
            .encode();
        case SEC_AGG_STAGE_UNMASKING -> answer = secagg.unmask(UnmaskingRequest.decode(m)).encode();
        default -> {
          return true;
        }
      }
      pushSecAgg(jobId, t.getTaskId(), s.getStage(), answer);
      return !(s.getStage() == SecAggStage.SEC_AGG_STAGE_MASKED_INPUT && drop == Drop.AFTER_MASKED_INPUT);
    }

    private void pushSecAgg(String jobId, String taskId, SecAggStage stage, byte[] message) throws Exception {
      int round = rounds.get(jobId);
      sent.add(message);
      CompletableFuture<Void> done = new CompletableFuture<>();
      StreamObserver<PushSecAggRequest> up = NodeServiceGrpc.newStub(channel).pushSecAgg(observer(done));
      up.onNext(PushSecAggRequest.newBuilder().setHeader(SecAggHeader.newBuilder().setSession(session).setJobId(jobId)
          .setTaskId(taskId).setRound(round).setStage(stage).setTotalBytes(message.length)).build());
      for (int off = 0; off < message.length; off += 1 << 20) {
        up.onNext(PushSecAggRequest.newBuilder().setChunk(ByteString.copyFrom(message, off,
            Math.min(1 << 20, message.length - off))).build());
      }
      up.onCompleted();
      await(done);
    }

    private void pushUpdate(String jobId, String taskId, int r, TensorBundle b) throws Exception {
      CompletableFuture<Void> done = new CompletableFuture<>();
      StreamObserver<PushUpdateRequest> up = NodeServiceGrpc.newStub(channel).pushUpdate(observer(done));
      up.onNext(PushUpdateRequest.newBuilder().setHeader(UpdateHeader.newBuilder().setSession(session).setJobId(jobId)
          .setTaskId(taskId).setRound(r).setNumExamples(1).setUpdate(b.header())).build());
      TensorChunker.chunks(b, c -> up.onNext(PushUpdateRequest.newBuilder().setChunk(c).build()));
      up.onCompleted();
      await(done);
    }
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<Void> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T v) {}

      @Override
      public void onError(Throwable e) {
        done.completeExceptionally(e);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }

  private static void await(CompletableFuture<Void> done) throws Exception {
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (StatusRuntimeException) e.getCause();
    }
  }
}
