package io.cohort.client.runtime;

import com.google.protobuf.ByteString;
import io.cohort.proto.v1.AbandonTaskRequest;
import io.cohort.proto.v1.NodePublicKeys;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.SecAggHeader;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.DownloadModelRequest;
import io.cohort.proto.v1.DownloadModelResponse;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PushEvaluationRequest;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.RegisterResponse;
import io.cohort.proto.v1.SessionRef;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.UpdateHeader;
import io.cohort.wire.TensorAssembler;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorChunker;
import io.cohort.wire.WireFormatException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Typed calls to the coordinator over one channel, each with a deadline. Streams tensors in
 * chunks both ways. Failures surface as {@link io.grpc.StatusRuntimeException}.
 */
public final class CoordinatorClient {
  private static final int CHUNK_BYTES = 1 << 20;

  private final ManagedChannel channel;
  private final Duration rpcTimeout;
  private final long maxModelBytes;
  private volatile SessionRef session = SessionRef.getDefaultInstance();

  public CoordinatorClient(ManagedChannel channel, Duration rpcTimeout, long maxModelBytes) {
    this.channel = channel;
    this.rpcTimeout = rpcTimeout;
    this.maxModelBytes = maxModelBytes;
  }

  private NodeServiceGrpc.NodeServiceBlockingStub blocking(Duration timeout) {
    return NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a session.
   *
   * @param identityKey the node's raw Ed25519 public identity key (empty for none)
   */
  public RegisterResponse register(String nodeId, String version, List<String> aliases, byte[] identityKey) {
    RegisterRequest.Builder req = RegisterRequest.newBuilder().setNodeId(nodeId).setSoftwareVersion(version)
        .setPublicKeys(NodePublicKeys.newBuilder().setIdentityKeyEd25519(ByteString.copyFrom(identityKey)));
    for (String a : aliases) {
      req.addDatasets(DatasetOffer.newBuilder().setAlias(a).setFormat("csv"));
    }
    RegisterResponse r = blocking(rpcTimeout).register(req.build());
    session = SessionRef.newBuilder().setNodeId(nodeId).setSessionId(r.getSessionId()).build();
    return r;
  }

  public void heartbeat() {
    blocking(rpcTimeout).heartbeat(HeartbeatRequest.newBuilder().setSession(session).build());
  }

  public Optional<Task> pullTask(Duration maxWait) {
    var r = blocking(maxWait.plus(rpcTimeout))
        .pullTask(PullTaskRequest.newBuilder().setSession(session).setMaxWaitMs((int) maxWait.toMillis()).build());
    return r.hasTask() ? Optional.of(r.getTask()) : Optional.empty();
  }

  public void answerOffer(String jobId, boolean accept, String reason) {
    blocking(rpcTimeout).answerOffer(AnswerOfferRequest.newBuilder().setSession(session).setJobId(jobId)
        .setAccept(accept).setDeclineReason(reason == null ? "" : reason).build());
  }

  /** Downloads a model and checks it against the digest the task named. */
  public TensorBundle downloadModel(String jobId, String modelId, byte[] expectedSha256, Duration timeout)
      throws WireFormatException {
    Iterator<DownloadModelResponse> parts = blocking(timeout).downloadModel(
        DownloadModelRequest.newBuilder().setSession(session).setJobId(jobId).setModelId(modelId).build());
    if (!parts.hasNext()) {
      throw new WireFormatException("model " + modelId + " stream is empty");
    }
    DownloadModelResponse first = parts.next();
    if (!first.hasHeader()) {
      throw new WireFormatException("model " + modelId + " stream does not start with a header");
    }
    if (!java.util.Arrays.equals(first.getHeader().getSha256().toByteArray(), expectedSha256)) {
      throw new WireFormatException("model " + modelId + " is not the one the task named (sha256 differs)");
    }
    TensorAssembler assembler = new TensorAssembler(first.getHeader(), maxModelBytes);
    while (parts.hasNext()) {
      DownloadModelResponse p = parts.next();
      if (!p.hasChunk()) {
        throw new WireFormatException("model " + modelId + " stream has a second header");
      }
      assembler.accept(p.getChunk());
    }
    return assembler.finish();
  }

  /** Streams an update: header first, then chunks; waits for the coordinator's answer. */
  public void pushUpdate(String jobId, String taskId, int round, long examples, TensorBundle update,
      Map<String, Double> metrics, Duration timeout) throws InterruptedException {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PushUpdateRequest> upload = NodeServiceGrpc.newStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .pushUpdate(completion(done));
    upload.onNext(PushUpdateRequest.newBuilder().setHeader(UpdateHeader.newBuilder().setSession(session)
        .setJobId(jobId).setTaskId(taskId).setRound(round).setNumExamples(examples)
        .setUpdate(update.header()).putAllMetrics(metrics)).build());
    TensorChunker.chunks(update, c -> upload.onNext(PushUpdateRequest.newBuilder().setChunk(c).build()));
    upload.onCompleted();
    await(done, timeout, "update upload");
  }

  /**
   * Streams one secure-aggregation stage message: a header, then chunks of at most 1 MiB; waits
   * for the coordinator's receipt. ALREADY_EXISTS (an identical copy was applied) counts as success.
   */
  public void pushSecAgg(String jobId, String taskId, int round, SecAggStage stage, byte[] message, Duration timeout)
      throws InterruptedException {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PushSecAggRequest> upload = NodeServiceGrpc.newStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .pushSecAgg(completion(done));
    upload.onNext(PushSecAggRequest.newBuilder().setHeader(SecAggHeader.newBuilder().setSession(session)
        .setJobId(jobId).setTaskId(taskId).setRound(round).setStage(stage).setTotalBytes(message.length)).build());
    for (int off = 0; off < message.length; off += CHUNK_BYTES) {
      upload.onNext(PushSecAggRequest.newBuilder()
          .setChunk(ByteString.copyFrom(message, off, Math.min(CHUNK_BYTES, message.length - off))).build());
    }
    upload.onCompleted();
    try {
      await(done, timeout, "secure-aggregation upload");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  /** Completes {@code done} when a client-streaming call ends, successfully or not. */
  private static <T> StreamObserver<T> completion(CompletableFuture<Void> done) {
    return new StreamObserver<T>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }

  /** Waits for a client-streaming call; its failure surfaces as a {@link StatusRuntimeException}. */
  private static void await(CompletableFuture<Void> done, Duration timeout, String what) throws InterruptedException {
    try {
      done.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        throw sre;
      }
      throw Status.fromThrowable(e.getCause()).asRuntimeException();
    } catch (TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED.withDescription(what + " timed out").asRuntimeException();
    }
  }

  public void pushEvaluation(String jobId, String taskId, int round, EvaluationResult result) {
    blocking(rpcTimeout).pushEvaluation(PushEvaluationRequest.newBuilder().setSession(session).setJobId(jobId)
        .setTaskId(taskId).setRound(round).setResult(result).build());
  }

  /** Reports privacy-ledger entries of a job (idempotent at the coordinator); returns how many were new. */
  public int pushLedgerEntries(String jobId, java.util.List<io.cohort.proto.v1.LedgerEntry> entries) {
    return blocking(rpcTimeout).pushLedgerEntries(io.cohort.proto.v1.PushLedgerEntriesRequest.newBuilder().setSession(session)
        .setJobId(jobId).addAllEntries(entries).build()).getStored();
  }

  public void abandonTask(String jobId, String taskId, String reason) {
    blocking(rpcTimeout).abandonTask(AbandonTaskRequest.newBuilder().setSession(session).setJobId(jobId)
        .setTaskId(taskId).setReason(reason).build());
  }
}
