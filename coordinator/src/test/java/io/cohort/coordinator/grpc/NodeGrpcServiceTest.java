package io.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.app.JobService;
import io.cohort.coordinator.rest.PrivacyResource;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.DeclaredBudget;
import io.cohort.proto.v1.DownloadModelRequest;
import io.cohort.proto.v1.DownloadModelResponse;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PushEvaluationRequest;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.ReservedBudget;
import io.cohort.proto.v1.SessionRef;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.UpdateHeader;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorAssembler;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorChunker;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node service over a real TCP socket of the running Quarkus coordinator. */
@QuarkusTest
class NodeGrpcServiceTest {
  @ConfigProperty(name = "quarkus.grpc.server.test-port") int port;
  @Inject JobService jobs;
  @Inject JobStore store;
  @Inject PrivacyResource privacy;

  private ManagedChannel channel;
  private NodeServiceGrpc.NodeServiceBlockingStub stub;
  /** Sessions this test registered: {@link #pull} keeps them alive while it waits for one of them. */
  private final List<SessionRef> registered = new java.util.ArrayList<>();

  @BeforeEach
  void connect() {
    registered.clear();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    stub = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private SessionRef register(String nodeId) {
    String session = stub.register(RegisterRequest.newBuilder().setNodeId(nodeId).setSoftwareVersion("test").build())
        .getSessionId();
    SessionRef ref = SessionRef.newBuilder().setNodeId(nodeId).setSessionId(session).build();
    registered.add(ref);
    return ref;
  }

  /**
   * Heartbeats every session this test registered, as real nodes do on their own thread: a node that
   * answered an offer must not count as gone (3 missed 500 ms heartbeats) while the test pulls for
   * another one, or the job would wait for min_nodes that left. Sessions replaced on purpose refuse it.
   */
  private void heartbeatAll() {
    for (SessionRef s : registered) {
      try {
        stub.heartbeat(HeartbeatRequest.newBuilder().setSession(s).build());
      } catch (StatusRuntimeException replaced) {
        // a test that re-registered the node id invalidated this session on purpose
      }
    }
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void invalidNodeId_isInvalidArgument() {
    assertThatThrownBy(() -> stub.register(RegisterRequest.newBuilder().setNodeId("../etc").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("node_id");
        });
  }

  @Test
  void staleSession_isUnauthenticated_afterReRegistration() {
    SessionRef first = register("stale-node");
    stub.heartbeat(HeartbeatRequest.newBuilder().setSession(first).build());
    register("stale-node");
    assertThat(code(() -> stub.heartbeat(HeartbeatRequest.newBuilder().setSession(first).build())))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  // Issue 22 #2: the reserved budget a node reports with its heartbeat is shown beside spent, for the
  // datasets it offered only, and a value that cannot be a reservation is ignored.
  @Test
  void heartbeatReservations_appearBesideSpentForOfferedDatasetsOnly() {
    String node = "reserving-node";
    String session = stub.register(RegisterRequest.newBuilder().setNodeId(node).setSoftwareVersion("test")
        .addDatasets(DatasetOffer.newBuilder().setAlias("ward").setBudget(DeclaredBudget.newBuilder()
            .setEpsilon(5).setDelta(1e-5).setAccountant("rdp")))
        .build()).getSessionId();
    SessionRef ref = SessionRef.newBuilder().setNodeId(node).setSessionId(session).build();
    assertThat(privacy.show(node, "ward").spend()).singleElement()
        .satisfies(sp -> assertThat(sp.reservedEpsilon()).as("nothing reported yet").isNull());
    stub.heartbeat(HeartbeatRequest.newBuilder().setSession(ref)
        .addReserved(ReservedBudget.newBuilder().setDatasetAlias("ward").setEpsilon(1.25).setJobs(1))
        .addReserved(ReservedBudget.newBuilder().setDatasetAlias("not-offered").setEpsilon(9).setJobs(2))
        .build());
    assertThat(privacy.show(node, null).spend()).singleElement().satisfies(sp -> {
      assertThat(sp.dataset()).isEqualTo("ward");
      assertThat(sp.reservedEpsilon()).isEqualTo(1.25);
      assertThat(sp.reservedJobs()).isEqualTo(1);
      assertThat(sp.reservedReportedAt()).isNotNull();
      assertThat(sp.remaining()).as("budget minus spent").isEqualTo(5.0);
    });
    stub.heartbeat(HeartbeatRequest.newBuilder().setSession(ref)
        .addReserved(ReservedBudget.newBuilder().setDatasetAlias("ward").setEpsilon(Double.NaN).setJobs(1)).build());
    assertThat(privacy.show(node, "ward").spend().get(0).reservedEpsilon()).as("NaN ignored").isEqualTo(1.25);
    stub.heartbeat(HeartbeatRequest.newBuilder().setSession(ref)
        .addReserved(ReservedBudget.newBuilder().setDatasetAlias("ward").setEpsilon(0).setJobs(0)).build());
    assertThat(privacy.show(node, "ward").spend().get(0).reservedEpsilon()).isZero();
  }

  /** Sends raw bytes as the request of a method, bypassing the generated marshaller. */
  private Status.Code sendRaw(MethodDescriptor<?, ?> method, byte[] body) {
    MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
      }
    };
    MethodDescriptor<byte[], byte[]> md = MethodDescriptor.<byte[], byte[]>newBuilder().setType(method.getType())
        .setFullMethodName(method.getFullMethodName()).setRequestMarshaller(raw).setResponseMarshaller(raw).build();
    ClientCall<byte[], byte[]> call = channel.newCall(md, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    try {
      ClientCalls.blockingUnaryCall(call, body);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void garbageBytes_areInvalidArgument_andTheServerKeepsServing() {
    byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01, 0x02, 0x7F};
    assertThat(sendRaw(NodeServiceGrpc.getRegisterMethod(), garbage)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(sendRaw(NodeServiceGrpc.getHeartbeatMethod(), garbage)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(register("after-garbage").getSessionId()).isNotEmpty();
  }

  @Test
  void oversizeMessage_isResourceExhausted_andTheServerKeepsServing() {
    byte[] big = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) 'a');
    RegisterRequest huge = RegisterRequest.newBuilder().setNodeId("huge").setSoftwareVersion(new String(big,
        java.nio.charset.StandardCharsets.US_ASCII)).build();
    assertThat(code(() -> stub.register(huge))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(register("after-huge").getSessionId()).isNotEmpty();
  }

  /** The next task of the given job for the node; tasks of other tests' jobs are skipped. */
  private Task pull(SessionRef s, String jobId) {
    for (int i = 0; i < 40; i++) {
      heartbeatAll();
      var r = stub.pullTask(PullTaskRequest.newBuilder().setSession(s).setMaxWaitMs(500).build());
      if (r.hasTask() && r.getTask().getJobId().equals(jobId)) {
        return r.getTask();
      }
    }
    throw new AssertionError("no task for " + s.getNodeId());
  }

  private void push(SessionRef s, Task t, long examples, TensorBundle update) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PushUpdateRequest> up = NodeServiceGrpc.newStub(channel).pushUpdate(new StreamObserver<>() {
      @Override
      public void onNext(PushUpdateResponse v) {}

      @Override
      public void onError(Throwable e) {
        done.completeExceptionally(e);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    up.onNext(PushUpdateRequest.newBuilder().setHeader(UpdateHeader.newBuilder().setSession(s).setJobId(t.getJobId())
        .setTaskId(t.getTaskId()).setRound(t.getTrain().getRound()).setNumExamples(examples).setUpdate(update.header()))
        .build());
    TensorChunker.chunks(update, c -> up.onNext(PushUpdateRequest.newBuilder().setChunk(c).build()));
    up.onCompleted();
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (StatusRuntimeException) e.getCause();
    }
  }

  private static TensorBundle constant(float v) {
    return new TensorBundle(List.of(new Tensor("w", new long[] {2, 2}, new float[] {v, v, v, v})));
  }

  @Test
  void fullRound_averagesByExampleCount_storesTheModel_andRefusesDuplicates() throws Exception {
    String yaml = """
        name: grpc-round
        task: tabular_classification
        dataset: d
        rounds: 1
        min_nodes: 2
        round_timeout_seconds: 30
        tabular: {label: y, classes: ['0', '1'], numeric: [x]}
        secure_aggregation: {enabled: false}
        """;
    SessionRef a = register("round-a");
    SessionRef b = register("round-b");
    String jobId = jobs.submit(yaml, "test.yaml").getJobId();
    for (SessionRef s : List.of(a, b)) {
      Task offer = pull(s, jobId);
      assertThat(offer.hasOffer()).isTrue();
      stub.answerOffer(AnswerOfferRequest.newBuilder().setSession(s).setJobId(jobId).setAccept(true).build());
    }
    Task ta = pull(a, jobId);
    Task tb = pull(b, jobId);
    assertThat(ta.getTrain().getRound()).isEqualTo(1);
    assertThat(ta.getTrain().getModelId()).isEmpty();
    push(a, ta, 100, constant(0f));
    assertThatThrownBy(() -> push(a, ta, 100, constant(0f))).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    assertThatThrownBy(() -> push(b, ta, 100, constant(0f))).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    push(b, tb, 300, constant(4f));

    Task eval = pull(a, jobId);
    assertThat(eval.hasEvaluate()).isTrue();
    Iterator<DownloadModelResponse> parts = stub.downloadModel(DownloadModelRequest.newBuilder().setSession(a)
        .setJobId(jobId).setModelId(eval.getEvaluate().getModelId()).build());
    TensorAssembler asm = new TensorAssembler(parts.next().getHeader(), 1 << 20);
    parts.forEachRemaining(p -> {
      try {
        asm.accept(p.getChunk());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    TensorBundle global = asm.finish();
    assertThat(global.get("w").values()).containsOnly(3.0f); // (100*0 + 300*4) / 400
    assertThat(eval.getEvaluate().getModelSha256()).isEqualTo(ByteString.copyFrom(global.sha256()));

    stub.pushEvaluation(PushEvaluationRequest.newBuilder().setSession(a).setJobId(jobId).setTaskId(eval.getTaskId())
        .setRound(1).setResult(EvaluationResult.newBuilder().setNumExamples(10).setLossSum(5).setNumCorrect(7)
            .addPositiveScoreHistogram(0).addPositiveScoreHistogram(4)
            .addNegativeScoreHistogram(6).addNegativeScoreHistogram(0))
        .build());
    Task evalB = pull(b, jobId);
    stub.pushEvaluation(PushEvaluationRequest.newBuilder().setSession(b).setJobId(jobId).setTaskId(evalB.getTaskId())
        .setRound(1).setResult(EvaluationResult.newBuilder().setNumExamples(10).setLossSum(3).setNumCorrect(9)
            .addPositiveScoreHistogram(0).addPositiveScoreHistogram(5)
            .addNegativeScoreHistogram(5).addNegativeScoreHistogram(0))
        .build());
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline && !store.job(jobId).orElseThrow().state().terminal()) {
      Thread.sleep(50);
    }
    assertThat(store.job(jobId).orElseThrow().state().name()).isEqualTo("COMPLETED");
    RoundRecord r = store.rounds(jobId).get(0);
    assertThat(r.contributors()).containsExactlyInAnyOrder("round-a", "round-b");
    assertThat(r.numExamples()).isEqualTo(400);
    assertThat(r.evaluation().examples()).isEqualTo(20);
    assertThat(r.evaluation().accuracy()).isEqualTo(0.8);
    assertThat(r.evaluation().loss()).isEqualTo(0.4);
    assertThat(r.evaluation().rocAuc()).isEqualTo(1.0);
  }

  @Test
  void updateWithADifferentLayout_isInvalidArgument() throws Exception {
    String yaml = """
        task: tabular_classification
        dataset: d
        rounds: 1
        min_nodes: 2
        round_timeout_seconds: 5
        tabular: {label: y, classes: ['0', '1'], numeric: [x]}
        secure_aggregation: {enabled: false}
        """;
    SessionRef a = register("layout-a");
    SessionRef b = register("layout-b");
    String jobId = jobs.submit(yaml, "test.yaml").getJobId();
    for (SessionRef s : List.of(a, b)) {
      pull(s, jobId);
      stub.answerOffer(AnswerOfferRequest.newBuilder().setSession(s).setJobId(jobId).setAccept(true).build());
    }
    Task ta = pull(a, jobId);
    Task tb = pull(b, jobId);
    push(a, ta, 10, constant(1f));
    TensorBundle other = new TensorBundle(List.of(new Tensor("v", new long[] {1}, new float[] {1})));
    assertThatThrownBy(() -> push(b, tb, 10, other)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("tensors");
    });
    TensorBundle nan = new TensorBundle(List.of(new Tensor("w", new long[] {2, 2}, new float[] {1, Float.NaN, 1, 1})));
    assertThatThrownBy(() -> push(b, tb, 10, nan)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getDescription()).contains("NaN"));
    Metadata unused = new Metadata();
    assertThat(unused.keys()).isEmpty();
  }
}
