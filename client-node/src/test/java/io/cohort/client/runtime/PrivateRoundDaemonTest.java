package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.LocalTrainer;
import io.cohort.client.job.TabularTrainer;
import io.cohort.client.job.TextJobs;
import io.cohort.client.job.TrainerByTask;
import io.cohort.client.privacy.PrivateJobs;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Verification;
import io.cohort.proto.v1.AbandonTaskRequest;
import io.cohort.proto.v1.AbandonTaskResponse;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.AnswerOfferResponse;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.JobOffer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PullTaskResponse;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import io.cohort.proto.v1.PushLedgerEntriesResponse;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.RegisterResponse;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.proto.v1.UpdateHeader;
import io.cohort.proto.v1.TensorHeader;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node daemon with a real trainer and real ledger against a scripted coordinator over a real
 * TCP socket: the node declines, refuses and records spend on its own, whatever it is sent.
 */
class PrivateRoundDaemonTest {
  private static final long SEED = 4242;
  @TempDir Path dir;
  private Server server;
  private Script coordinator;
  private int port;

  /** Hands out scripted tasks and records what the node sends. */
  static final class Script implements NodeServiceGrpc.AsyncService {
    final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    final List<AnswerOfferRequest> answers = new CopyOnWriteArrayList<>();
    final List<PushLedgerEntriesRequest> ledgerReports = new CopyOnWriteArrayList<>();
    final List<String> abandoned = new CopyOnWriteArrayList<>();
    final AtomicInteger updates = new AtomicInteger();
    final List<UpdateHeader> updateHeaders = new CopyOnWriteArrayList<>();
    final AtomicInteger registrations = new AtomicInteger();
    /** What registration acknowledges (issue 22 #1). */
    volatile List<io.cohort.proto.v1.LedgerAck> acks = List.of();
    /** What heartbeats list as active; null: the field is unset, as from an older coordinator. */
    volatile List<String> activeJobs;
    volatile int heartbeatMs = 200;

    @Override
    public void register(RegisterRequest req, StreamObserver<RegisterResponse> out) {
      out.onNext(RegisterResponse.newBuilder().setSessionId("s" + registrations.incrementAndGet())
          .setHeartbeatIntervalMs(heartbeatMs).addAllLedgerAcks(acks).build());
      out.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
      HeartbeatResponse.Builder b = HeartbeatResponse.newBuilder();
      List<String> active = activeJobs;
      if (active != null) {
        b.setActiveJobs(io.cohort.proto.v1.ActiveJobs.newBuilder().addAllJobIds(active));
      }
      out.onNext(b.build());
      out.onCompleted();
    }

    @Override
    public void pullTask(PullTaskRequest req, StreamObserver<PullTaskResponse> out) {
      PullTaskResponse.Builder b = PullTaskResponse.newBuilder();
      try {
        Task t = tasks.poll(200, TimeUnit.MILLISECONDS);
        if (t != null) {
          b.setTask(t);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.onNext(b.build());
      out.onCompleted();
    }

    @Override
    public void answerOffer(AnswerOfferRequest req, StreamObserver<AnswerOfferResponse> out) {
      answers.add(req);
      out.onNext(AnswerOfferResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void pushLedgerEntries(PushLedgerEntriesRequest req, StreamObserver<PushLedgerEntriesResponse> out) {
      ledgerReports.add(req);
      out.onNext(PushLedgerEntriesResponse.newBuilder().setStored(req.getEntriesCount()).build());
      out.onCompleted();
    }

    @Override
    public void abandonTask(AbandonTaskRequest req, StreamObserver<AbandonTaskResponse> out) {
      abandoned.add(req.getReason());
      out.onNext(AbandonTaskResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public StreamObserver<PushUpdateRequest> pushUpdate(StreamObserver<PushUpdateResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(PushUpdateRequest value) {
          if (value.hasHeader()) {
            updateHeaders.add(value.getHeader());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          updates.incrementAndGet();
          out.onNext(PushUpdateResponse.getDefaultInstance());
          out.onCompleted();
        }
      };
    }

    /** Secure-aggregation messages received (issue 23 #2: a statistics session's AdvertiseKeys). */
    final AtomicInteger secAggMessages = new AtomicInteger();

    @Override
    public StreamObserver<io.cohort.proto.v1.PushSecAggRequest> pushSecAgg(
        StreamObserver<io.cohort.proto.v1.PushSecAggResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(io.cohort.proto.v1.PushSecAggRequest value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          secAggMessages.incrementAndGet();
          out.onNext(io.cohort.proto.v1.PushSecAggResponse.getDefaultInstance());
          out.onCompleted();
        }
      };
    }

    /** The global model it serves to every download (null: none). */
    volatile io.cohort.wire.TensorBundle model;

    @Override
    public void downloadModel(io.cohort.proto.v1.DownloadModelRequest req,
        StreamObserver<io.cohort.proto.v1.DownloadModelResponse> out) {
      io.cohort.wire.TensorBundle m = model;
      if (m == null) {
        out.onError(io.grpc.Status.NOT_FOUND.asRuntimeException());
        return;
      }
      out.onNext(io.cohort.proto.v1.DownloadModelResponse.newBuilder().setHeader(m.header()).build());
      io.cohort.wire.TensorChunker.chunks(m,
          c -> out.onNext(io.cohort.proto.v1.DownloadModelResponse.newBuilder().setChunk(c).build()));
      out.onCompleted();
    }

    /** Entries of the last report that carried any. */
    int lastReportedEntries() {
      for (int i = ledgerReports.size() - 1; i >= 0; i--) {
        if (ledgerReports.get(i).getEntriesCount() > 0) {
          return ledgerReports.get(i).getEntriesCount();
        }
      }
      return 0;
    }
  }

  /** Thrown by the test hook to stop the node dead between its ledger write and any release. */
  static final class SimulatedCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimulatedCrash() {
      super("simulated crash after the ledger write");
    }
  }

  @BeforeEach
  void startCoordinator() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    coordinator = new Script();
    server = NettyServerBuilder.forPort(port).addService(NodeServiceGrpc.bindService(coordinator)).build().start();
  }

  @AfterEach
  void stopCoordinator() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static Task offer(JobSpec spec) {
    return Task.newBuilder().setTaskId("offer-" + spec.getJobId()).setJobId(spec.getJobId())
        .setOffer(JobOffer.newBuilder().setSpec(spec)).build();
  }

  private static Task train(JobSpec spec, int round, String id) {
    return Task.newBuilder().setTaskId(id).setJobId(spec.getJobId()).setTrain(TrainTask.newBuilder().setSpec(spec)
        .setRound(round).setDeadlineUnixMs(System.currentTimeMillis() + 600_000)).build();
  }

  /** The other peer of the statistics sessions: one identity, as a node pins the keys it has seen. */
  private static final IdentityKeyPair OTHER_PEER = IdentityKeyPair.generate();

  /** A statistics task of {@code spec}: this node (id 1) and one other peer, no certificates (development mode). */
  private static Task statistics(JobSpec spec, String id, NodeConfig cfg) throws Exception {
    var self = IdentityKeyPair.loadOrCreate(cfg.identityKey()).publicKey();
    var other = OTHER_PEER.publicKey();
    var info = io.cohort.proto.v1.SecAggRound.newBuilder().setSecaggId(1).setThreshold(2).setMinCohortSize(2)
        .setBits(io.cohort.wire.StatisticsWords.QUANTIZATION_BITS).setClip(io.cohort.wire.StatisticsWords.CLIP)
        .setMaxExamples(1).setVectorLength(io.cohort.wire.StatisticsWords.words(spec.getTabular()))
        .addPeers(io.cohort.proto.v1.SecAggPeer.newBuilder().setSecaggId(1).setNodeId(cfg.nodeId())
            .setIdentityKeyEd25519(com.google.protobuf.ByteString.copyFrom(self.raw())))
        .addPeers(io.cohort.proto.v1.SecAggPeer.newBuilder().setSecaggId(2).setNodeId("n2")
            .setIdentityKeyEd25519(com.google.protobuf.ByteString.copyFrom(other.raw())));
    return Task.newBuilder().setTaskId(id).setJobId(spec.getJobId()).setStatistics(io.cohort.proto.v1.StatisticsTask
        .newBuilder().setSpec(spec).setSecureAggregation(info)
        .setDeadlineUnixMs(System.currentTimeMillis() + 600_000)).build();
  }

  /**
   * Issue 23 #2 under DP: the statistics' spend is in the ledger before anything of them leaves (a node killed
   * right after the write sent nothing); a retried session re-sends the kept release without a second charge.
   */
  @Test
  void privateFeatureStatistics_areChargedBeforeTheyLeave_andARetryIsNotChargedAgain() throws Exception {
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 20.0, port);
    JobSpec job = PrivateJobs.federated("job-stats", 6, 3, 5);
    Running first = start(cfg, () -> {
      throw new SimulatedCrash();
    });
    coordinator.tasks.add(offer(job));
    coordinator.tasks.add(statistics(job, "s1", cfg));
    first.thread().join(180_000); // the first test of a JVM loads ND4J: minutes on a loaded machine
    assertThat(first.thread().isAlive()).as("the node stopped at the hook").isFalse();
    first.daemon().close();
    assertThat(coordinator.answers).singleElement().satisfies(a -> assertThat(a.getAccept())
        .as(a.getDeclineReason()).isTrue());
    assertThat(coordinator.secAggMessages.get()).as("nothing of the statistics was sent").isZero();
    assertThat(ledger(cfg).entries()).singleElement().satisfies(e -> {
      assertThat(e.spend().mechanism()).isEqualTo(io.cohort.crypto.ledger.Spend.STATISTICS_MECHANISM);
      assertThat(e.spend().round()).isZero();
      assertThat(e.spend().segment().noiseMultiplier()).isEqualTo(5.0);
      assertThat(e.spend().clipNorm()).as("sqrt(3 numeric + 1 categorical + 1)").isEqualTo(Math.sqrt(5));
    });

    Running second = start(cfg, () -> { });
    try {
      coordinator.tasks.add(statistics(job, "s2", cfg));
      await("the statistics' AdvertiseKeys", () -> coordinator.secAggMessages.get() == 1);
      await("the reported entries", () -> coordinator.lastReportedEntries() == 2);
      coordinator.tasks.add(statistics(job, "s3", cfg)); // the coordinator retries the session
      await("the retry's AdvertiseKeys", () -> coordinator.secAggMessages.get() == 2);
      assertThat(coordinator.abandoned).isEmpty();
    } finally {
      stop(second);
    }
    // The restarted node lost its kept release, so its new release was charged; the retry was not.
    assertThat(ledger(cfg).entries()).hasSize(2).allSatisfy(e -> assertThat(e.spend().mechanism())
        .isEqualTo(io.cohort.crypto.ledger.Spend.STATISTICS_MECHANISM));
  }

  /**
   * A secure private round's spend is recorded before its masked input leaves (write-ahead), not when
   * it starts: a round the coordinator aborts before that stage (a peer missed AdvertiseKeys) released
   * nothing of the data and is charged nothing, so its retry is charged once, not twice.
   */
  @Test
  void secureRoundAbortedBeforeItsMaskedInput_isNotCharged_andItsRetryIsNotChargedTwice() throws Exception {
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 20.0, port);
    JobSpec job = PrivateJobs.spec("job-secure", 6, 3).toBuilder()
        .setSecureAggregation(io.cohort.proto.v1.SecureAggregationSpec.newBuilder().setEnabled(true).setBits(16)
            .setClip(1.0).setMaxExamples(1))
        .build();
    io.cohort.wire.TensorBundle global = new io.cohort.client.job.TabularTrainer(cfg).initialParameters(job);
    coordinator.model = global;
    Running node = start(cfg, () -> { });
    try {
      coordinator.tasks.add(offer(job));
      await("the answer", () -> !coordinator.answers.isEmpty());
      assertThat(coordinator.answers.get(0).getAccept()).as(coordinator.answers.get(0).getDeclineReason()).isTrue();
      for (int attempt = 1; attempt <= 2; attempt++) {
        coordinator.tasks.add(secureTrain(job, 1, "t1-attempt" + attempt, global, cfg));
        int sent = attempt;
        await("attempt " + attempt + "'s AdvertiseKeys", () -> coordinator.secAggMessages.get() == sent);
        coordinator.tasks.add(Task.newBuilder().setTaskId("abort" + attempt).setJobId(job.getJobId())
            .setSecagg(io.cohort.proto.v1.SecAggTask.newBuilder().setSpec(job).setRound(1)
                .setStage(io.cohort.proto.v1.SecAggStage.SEC_AGG_STAGE_ABORT)
                .setDeadlineUnixMs(System.currentTimeMillis() + 600_000)).build());
        await("attempt " + attempt + "'s abort taken", coordinator.tasks::isEmpty);
        Thread.sleep(300); // the node handles the task it pulled
        assertThat(ledger(cfg).entries()).as("after attempt %d, aborted before its masked input", attempt).isEmpty();
      }
      assertThat(coordinator.updates.get()).as("nothing sent in the clear").isZero();
    } finally {
      stop(node);
    }
    assertThat(ledger(cfg).entries()).isEmpty();
  }

  /** A secure training task of round {@code round}: this node (id 1) and one other peer, no certificates. */
  private static Task secureTrain(JobSpec spec, int round, String id, io.cohort.wire.TensorBundle global,
      NodeConfig cfg) throws Exception {
    var self = IdentityKeyPair.loadOrCreate(cfg.identityKey()).publicKey();
    int length = 0;
    for (io.cohort.wire.Tensor t : global.tensors()) {
      length += t.size();
    }
    var info = io.cohort.proto.v1.SecAggRound.newBuilder().setSecaggId(1).setThreshold(2).setMinCohortSize(2)
        .setBits(16).setClip(1.0).setMaxExamples(1).setVectorLength(length)
        .addPeers(io.cohort.proto.v1.SecAggPeer.newBuilder().setSecaggId(1).setNodeId(cfg.nodeId())
            .setIdentityKeyEd25519(com.google.protobuf.ByteString.copyFrom(self.raw())))
        .addPeers(io.cohort.proto.v1.SecAggPeer.newBuilder().setSecaggId(2).setNodeId("n2")
            .setIdentityKeyEd25519(com.google.protobuf.ByteString.copyFrom(OTHER_PEER.publicKey().raw())));
    return Task.newBuilder().setTaskId(id).setJobId(spec.getJobId()).setTrain(TrainTask.newBuilder().setSpec(spec)
        .setRound(round).setModelId("m0").setModelSha256(com.google.protobuf.ByteString.copyFrom(global.sha256()))
        .setSecureAggregation(info).setDeadlineUnixMs(System.currentTimeMillis() + 600_000)).build();
  }

  /** A private job whose statistics do not fit the budget is declined, and its statistics task writes nothing. */
  @Test
  void featureStatisticsOverBudget_areDeclined_andNothingIsWrittenOrSent() throws Exception {
    // DP-SGD alone fits 1.0 (calibrated to the target), the statistics at z 0.5 alone cost far more.
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 1.0, port);
    JobSpec job = PrivateJobs.federated("job-stats-big", 0.9, 1, 0.5);
    Running node = start(cfg, () -> { });
    try {
      coordinator.tasks.add(offer(job));
      await("the answer", () -> !coordinator.answers.isEmpty());
      assertThat(coordinator.answers.get(0).getAccept()).isFalse();
      coordinator.tasks.add(statistics(job, "s1", cfg));
      await("the refusal", () -> coordinator.abandoned.size() == 1);
      assertThat(coordinator.secAggMessages.get()).isZero();
    } finally {
      stop(node);
    }
    assertThat(ledger(cfg).entries()).isEmpty();
  }

  private record Running(NodeDaemon daemon, Thread thread) {}

  private Running start(NodeConfig cfg, Runnable afterLedgerRecord) {
    return start(cfg, new TabularTrainer(cfg), afterLedgerRecord);
  }

  private Running start(NodeConfig cfg, LocalTrainer trainer, Runnable afterLedgerRecord) {
    NodeDaemon d = new NodeDaemon(cfg, "test", trainer);
    d.setAfterLedgerRecord(afterLedgerRecord);
    Thread t = new Thread(() -> {
      try {
        d.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (SimulatedCrash expected) {
        // the node "dies" here: nothing after the ledger write runs
      }
    });
    t.start();
    return new Running(d, t);
  }

  private static void stop(Running r) throws InterruptedException {
    r.daemon().close();
    r.thread().join(10_000);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what + " (seed " + SEED + ")");
      }
      Thread.sleep(20);
    }
  }

  private Verification ledger(NodeConfig cfg) throws Exception {
    IdentityKeyPair key = IdentityKeyPair.loadOrCreate(cfg.identityKey());
    return PrivacyLedger.verify(cfg.datasets().get(0).budget().orElseThrow().ledgerPath(), key.publicKey(),
        RdpAccountant.create());
  }

  @Test
  void offerOverBudget_isDeclinedWithBothNumbers_andAnInsistedRoundIsRefused() throws Exception {
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 1.0, port);
    JobSpec job = PrivateJobs.spec("job-big", 8, 3);
    Running node = start(cfg, () -> { });
    try {
      coordinator.tasks.add(offer(job));
      await("the answer", () -> !coordinator.answers.isEmpty());
      AnswerOfferRequest a = coordinator.answers.get(0);
      assertThat(a.getAccept()).isFalse();
      assertThat(a.getDeclineReason()).containsPattern("projected spend \\(epsilon [0-9.]+ over 3 rounds")
          .contains("remaining budget of 1.0000");
      // The coordinator sends the round anyway, twice: the node refuses both, trains nothing, sends nothing
      // (issue 21 #4: a job it declined has no accepted terms, so no task of it is admitted).
      coordinator.tasks.add(train(job, 1, "t1"));
      coordinator.tasks.add(train(job, 1, "t1-again"));
      await("two refusals", () -> coordinator.abandoned.size() == 2);
      assertThat(coordinator.abandoned).allSatisfy(r -> assertThat(r).contains("never accepted job job-big"));
      assertThat(coordinator.updates.get()).isZero();
    } finally {
      stop(node);
    }
    assertThat(ledger(cfg).entries()).isEmpty();
  }

  @Test
  void nodeKilledAfterItsLedgerWrite_countsTheSpendAfterRestart() throws Exception {
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 20.0, port);
    JobSpec job = PrivateJobs.spec("job-crash", 6, 3);
    Running first = start(cfg, () -> {
      throw new SimulatedCrash();
    });
    coordinator.tasks.add(offer(job));
    coordinator.tasks.add(train(job, 1, "t1"));
    first.thread().join(60_000);
    assertThat(first.thread().isAlive()).as("the node stopped at the hook").isFalse();
    first.daemon().close(); // the OS would release the ledger's file lock of a dead process
    assertThat(coordinator.answers).singleElement().satisfies(a -> assertThat(a.getAccept()).isTrue());
    assertThat(coordinator.updates.get()).as("nothing was released").isZero();
    assertThat(coordinator.lastReportedEntries()).as("no entry reached the coordinator").isZero();
    Verification afterCrash = ledger(cfg);
    assertThat(afterCrash.isValid()).isTrue();
    assertThat(afterCrash.entries()).hasSize(1);
    double spentAtCrash = afterCrash.entries().get(0).epsilonAfter();

    // Restart: the node reports the spend on registering, and the retried round spends again.
    Running second = start(cfg, () -> { });
    try {
      await("the recovered entry", () -> coordinator.lastReportedEntries() == 1);
      coordinator.tasks.add(train(job, 1, "t1-retry"));
      await("the retried round's update", () -> coordinator.updates.get() == 1);
      assertThat(coordinator.lastReportedEntries()).isEqualTo(2);
    } finally {
      stop(second);
    }
    Verification after = ledger(cfg);
    assertThat(after.entries()).hasSize(2)
        .allSatisfy(e -> assertThat(e.spend().round()).as("both attempts of round 1 count").isEqualTo(1));
    assertThat(after.entries().get(1).epsilonAfter()).isGreaterThan(spentAtCrash);
  }

  @Test
  void privateTextRound_onANodeServingAllTasks_isRecordedThenSentAsPeftNamedTensors() throws Exception {
    Path data = TextJobs.classification(dir, "news.jsonl", 48, SEED);
    NodeConfig cfg = TextJobs.config("n1", dir, data, Optional.empty(), Map.of(TextJobs.MODEL_NAME, TextJobs.MODEL),
        Optional.of(new NodeConfig.Budget(20.0, 1e-5, "rdp", dir.resolve("n1.news.ledger"))), port);
    JobSpec job = TextJobs.seqCls("text-job", TextJobs.modelHash(), true).setPrivacy(TextJobs.privacy(1.1)).build();
    Running node = start(cfg, TrainerByTask.forNode(cfg), () -> { });
    try {
      coordinator.tasks.add(offer(job));
      await("the answer", () -> !coordinator.answers.isEmpty());
      assertThat(coordinator.answers.get(0).getAccept()).as(coordinator.answers.get(0).getDeclineReason()).isTrue();
      coordinator.tasks.add(train(job, 1, "t1"));
      await("the round's update", () -> coordinator.updates.get() == 1);
      assertThat(coordinator.abandoned).isEmpty();
      UpdateHeader h = coordinator.updateHeaders.get(0);
      // Issue 19 #3: without secure aggregation a DP node does not release its example count; it weighs 1.
      assertThat(h.getNumExamples()).as("the fixed weight of a private round sent in the clear").isEqualTo(1);
      assertThat(h.getMetricsMap()).as("local metrics of a private round stay on the node").isEmpty();
      assertThat(h.getUpdate().getTensorsList()).extracting(TensorHeader::getName)
          .contains("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight", "base_model.model.score.weight")
          .allMatch(n -> n.startsWith("base_model.model.") && !n.contains("lora_A"));
      assertThat(coordinator.lastReportedEntries()).isEqualTo(1);
    } finally {
      stop(node);
    }
    Verification v = ledger(cfg);
    assertThat(v.isValid()).isTrue();
    assertThat(v.entries()).singleElement().satisfies(e -> {
      assertThat(e.spend().segment().steps()).isEqualTo(4);
      assertThat(e.spend().segment().samplingProbability()).isEqualTo(0.25);
      assertThat(e.spend().segment().noiseMultiplier()).isEqualTo(1.1);
    });
  }

  /**
   * Issue 22 finding #11: a malformed cell can be a patient's data. The decline reason and the
   * reason of an abandoned round name the dataset alias, line, column and kind of problem; the
   * cell value and the node's file path never reach the coordinator.
   */
  @Test
  void malformedCell_neverReachesTheCoordinator_onlyAliasLineColumnAndKind() throws Exception {
    String marker = "PATIENT-7731-XYZ";
    Path data = PrivateJobs.csv(dir, SEED);
    List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(data));
    lines.set(4, "0.5," + marker + ",yes"); // line 5 of the file
    Path secret = dir.resolve("data-node1-private.csv");
    java.nio.file.Files.write(secret, lines);
    NodeConfig cfg = PrivateJobs.config(dir, secret, null, port);
    JobSpec job = PrivateJobs.spec("job-bad-cell", 8, 1).toBuilder().clearPrivacy().build();
    Running node = start(cfg, () -> { });
    try {
      coordinator.tasks.add(offer(job));
      await("the answer", () -> !coordinator.answers.isEmpty());
      AnswerOfferRequest a = coordinator.answers.get(0);
      assertThat(a.getAccept()).isFalse();
      assertThat(a.getDeclineReason())
          .isEqualTo("dataset 'tab' line 5, column 'c': not a declared category; expected one of [a, b] or a missing-value token ['', '?', 'NA', 'NaN']")
          .doesNotContain(marker).doesNotContain(secret.toString()).doesNotContain("data-node1-private");
      // A round sent anyway is refused: the node never accepted the job (issue 21 #4), and says nothing of the cell.
      coordinator.tasks.add(train(job, 1, "t1"));
      await("the refusal", () -> coordinator.abandoned.size() == 1);
      assertThat(coordinator.abandoned.get(0)).contains("never accepted job job-bad-cell")
          .doesNotContain(marker).doesNotContain(dir.toString());
    } finally {
      stop(node);
    }
  }

  // Issue 22 #2: two DP offers together over the budget; the second is declined until the first ends.
  @Test
  void secondOfferIsDeclinedWhileTheFirstHoldsItsReservation_andAcceptedOnceTheFirstEnds() throws Exception {
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 10.0, port);
    JobSpec a = PrivateJobs.spec("job-a", 8, 4);
    JobSpec b = PrivateJobs.spec("job-b", 8, 4);
    coordinator.activeJobs = List.of("job-a", "job-b");
    coordinator.heartbeatMs = 60_000;
    Running node = start(cfg, () -> { });
    try {
      coordinator.tasks.add(offer(a));
      coordinator.tasks.add(offer(b));
      await("two answers", () -> coordinator.answers.size() == 2);
      assertThat(coordinator.answers.get(0).getAccept()).as(coordinator.answers.get(0).getDeclineReason()).isTrue();
      assertThat(coordinator.answers.get(1).getAccept()).isFalse();
      assertThat(coordinator.answers.get(1).getDeclineReason()).contains("by 1 other accepted jobs")
          .containsPattern("remaining budget of [0-9.]+ \\(budget 10\\.0000, already spent 0\\.0000, reserved [0-9.]+");
      // job-a is cancelled: the coordinator stops listing it. Periodic heartbeats are a minute apart
      // here, so only the node's refresh before judging the next offer can release job-a's reservation.
      coordinator.activeJobs = List.of("job-b");
      coordinator.tasks.add(offer(b));
      await("the third answer", () -> coordinator.answers.size() == 3);
      assertThat(coordinator.answers.get(2).getAccept()).as(coordinator.answers.get(2).getDeclineReason()).isTrue();
      assertThat(io.cohort.client.privacy.Reservations.read(cfg.datasets().get(0).budget().orElseThrow().ledgerPath()
          .toAbsolutePath())).extracting(io.cohort.client.privacy.Reservations.Reservation::jobId)
          .containsExactly("job-b");
    } finally {
      stop(node);
    }
  }

  // Issue 22 #1 (b): a ledger cut back together with its local anchor is caught by the coordinator's ack.
  @Test
  void ledgerBehindTheCoordinatorsAcknowledgement_isRefusedAfterRegistration() throws Exception {
    NodeConfig cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 20.0, port);
    JobSpec job = PrivateJobs.spec("job-ack", 6, 3);
    Running first = start(cfg, () -> { });
    try {
      coordinator.tasks.add(offer(job));
      coordinator.tasks.add(train(job, 1, "t1"));
      coordinator.tasks.add(train(job, 2, "t2"));
      await("two updates", () -> coordinator.updates.get() == 2);
    } finally {
      stop(first);
    }
    Verification v = ledger(cfg);
    assertThat(v.entries()).hasSize(2);
    coordinator.acks = List.of(io.cohort.proto.v1.LedgerAck.newBuilder().setDatasetAlias("tab").setSeq(2)
        .setEntryHash(v.entries().get(1).hashHex()).build());
    Path ledgerFile = cfg.datasets().get(0).budget().orElseThrow().ledgerPath();
    List<String> lines = java.nio.file.Files.readAllLines(ledgerFile);
    java.nio.file.Files.write(ledgerFile, lines.subList(0, 2));
    java.nio.file.Files.delete(io.cohort.crypto.ledger.LedgerAnchor.pathFor(ledgerFile.toAbsolutePath()));
    int answered = coordinator.answers.size();
    Thread.sleep(500); // a pull of the stopped node still open at the scripted coordinator must not take a task
    Running second = start(cfg, () -> { });
    try {
      await("the second registration", () -> coordinator.registrations.get() >= 2);
      coordinator.tasks.add(offer(PrivateJobs.spec("job-next", 1, 1)));
      coordinator.tasks.add(train(job, 3, "t3"));
      await("the answer and the refusal", () -> coordinator.answers.size() == answered + 1
          && !coordinator.abandoned.isEmpty());
      AnswerOfferRequest a = coordinator.answers.get(answered);
      assertThat(a.getAccept()).isFalse();
      assertThat(a.getDeclineReason()).contains("rolled back").contains("'tab'").doesNotContain(dir.toString());
      assertThat(coordinator.abandoned).singleElement().asString().contains("rolled back");
      assertThat(coordinator.updates.get()).as("nothing trained or sent").isEqualTo(2);
    } finally {
      stop(second);
    }
  }
}
