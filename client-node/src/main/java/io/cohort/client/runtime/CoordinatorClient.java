package io.cohort.client.runtime;

import com.google.protobuf.ByteString;
import io.cohort.proto.v1.AbandonTaskRequest;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.DownloadModelRequest;
import io.cohort.proto.v1.DownloadModelResponse;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.LedgerEntry;
import io.cohort.proto.v1.NodePublicKeys;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PushEvaluationRequest;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.RegisterResponse;
import io.cohort.proto.v1.ReservedBudget;
import io.cohort.proto.v1.SecAggHeader;
import io.cohort.proto.v1.SecAggStage;
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
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(CoordinatorClient.class.getName());
  private static final int CHUNK_BYTES = 1 << 20;

  private final ManagedChannel channel;
  private final Duration rpcTimeout;
  private final long maxModelBytes;
  private volatile SessionRef session = SessionRef.getDefaultInstance();
  private volatile UploadLog uploads;

  public CoordinatorClient(ManagedChannel channel, Duration rpcTimeout, long maxModelBytes) {
    this.channel = channel;
    this.rpcTimeout = rpcTimeout;
    this.maxModelBytes = maxModelBytes;
  }

  /** Records every upload from now on in {@code log} (see {@link UploadLog}). */
  public void setUploadLog(UploadLog log) {
    this.uploads = log;
  }

  /** Appends an upload to the log, if there is one; a failing log is reported, never silently dropped. */
  private void logUpload(String jobId, long round, UploadLog.Kind kind, String detail, long bytes, Throwable failure) {
    UploadLog log = uploads;
    if (log == null) {
      return;
    }
    String outcome = failure == null ? "ok" : "failed: " + Status.fromThrowable(failure).getCode();
    try {
      log.record(jobId, round, kind, detail, bytes, outcome);
    } catch (java.io.IOException e) {
      LOG.warning("cannot append to the upload log " + log.file() + ": " + e.getMessage());
    }
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
    return registerOffering(nodeId, version,
        aliases.stream().map(a -> DatasetOffer.newBuilder().setAlias(a).setFormat("csv").build()).toList(), identityKey);
  }

  /**
   * Opens a session offering {@code offers}, each with its declared privacy budget where it has
   * one (for display at the coordinator only).
   */
  public RegisterResponse registerOffering(String nodeId, String version, List<DatasetOffer> offers,
      byte[] identityKey) {
    RegisterRequest.Builder req = RegisterRequest.newBuilder().setNodeId(nodeId).setSoftwareVersion(version)
        .setPublicKeys(NodePublicKeys.newBuilder().setIdentityKeyEd25519(ByteString.copyFrom(identityKey)))
        .addAllDatasets(offers);
    RegisterResponse r = blocking(rpcTimeout).register(req.build());
    session = SessionRef.newBuilder().setNodeId(nodeId).setSessionId(r.getSessionId()).build();
    return r;
  }

  /** Keeps the session alive; the reply lists the jobs still active on this node's datasets (newer coordinators). */
  public HeartbeatResponse heartbeat() {
    return heartbeat(List.of());
  }

  /** As {@link #heartbeat()}, reporting what each budgeted dataset has reserved (for the coordinator's display). */
  public HeartbeatResponse heartbeat(List<ReservedBudget> reserved) {
    return blocking(rpcTimeout).heartbeat(HeartbeatRequest.newBuilder().setSession(session).addAllReserved(reserved)
        .build());
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
    pushUpdate(jobId, taskId, round, examples, update, metrics, null, timeout);
  }

  /**
   * Like {@link #pushUpdate(String, String, int, long, TensorBundle, Map, Duration)}, with the node's
   * signed receipt of the round's global model in the header (issue 21 #6); null for none.
   */
  public void pushUpdate(String jobId, String taskId, int round, long examples, TensorBundle update,
      Map<String, Double> metrics, io.cohort.proto.v1.SignedModelReceipt receipt, Duration timeout)
      throws InterruptedException {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long[] sent = {0};
    Throwable failure = null;
    try {
      StreamObserver<PushUpdateRequest> upload = NodeServiceGrpc.newStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .pushUpdate(completion(done));
      UpdateHeader.Builder h = UpdateHeader.newBuilder().setSession(session)
          .setJobId(jobId).setTaskId(taskId).setRound(round).setNumExamples(examples)
          .setUpdate(update.header()).putAllMetrics(metrics);
      if (receipt != null) {
        h.setModelReceipt(receipt);
      }
      PushUpdateRequest header = PushUpdateRequest.newBuilder().setHeader(h).build();
      sent[0] += header.getSerializedSize();
      upload.onNext(header);
      TensorChunker.chunks(update, c -> {
        PushUpdateRequest m = PushUpdateRequest.newBuilder().setChunk(c).build();
        sent[0] += m.getSerializedSize();
        upload.onNext(m);
      });
      upload.onCompleted();
      await(done, timeout, "update upload");
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      // Round 0 is only ever the seeded initial model of a secure job (see TaskHandler).
      logUpload(jobId, round, round == 0 ? UploadLog.Kind.INITIAL_MODEL : UploadLog.Kind.UPDATE, "", sent[0], failure);
    }
  }

  /**
   * Streams one secure-aggregation stage message: a header, then chunks of at most 1 MiB; waits
   * for the coordinator's receipt. ALREADY_EXISTS (an identical copy was applied) counts as success.
   */
  public void pushSecAgg(String jobId, String taskId, int round, SecAggStage stage, byte[] message, Duration timeout)
      throws InterruptedException {
    pushSecAgg(jobId, taskId, round, stage, message, null, timeout);
  }

  /** Like {@link #pushSecAgg(String, String, int, SecAggStage, byte[], Duration)}, with a model receipt (or null). */
  public void pushSecAgg(String jobId, String taskId, int round, SecAggStage stage, byte[] message,
      io.cohort.proto.v1.SignedModelReceipt receipt, Duration timeout) throws InterruptedException {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long sent = 0;
    Throwable failure = null;
    try {
      StreamObserver<PushSecAggRequest> upload = NodeServiceGrpc.newStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .pushSecAgg(completion(done));
      SecAggHeader.Builder h = SecAggHeader.newBuilder().setSession(session)
          .setJobId(jobId).setTaskId(taskId).setRound(round).setStage(stage).setTotalBytes(message.length);
      if (receipt != null) {
        h.setModelReceipt(receipt);
      }
      PushSecAggRequest header = PushSecAggRequest.newBuilder().setHeader(h).build();
      sent += header.getSerializedSize();
      upload.onNext(header);
      for (int off = 0; off < message.length; off += CHUNK_BYTES) {
        PushSecAggRequest m = PushSecAggRequest.newBuilder()
            .setChunk(ByteString.copyFrom(message, off, Math.min(CHUNK_BYTES, message.length - off))).build();
        sent += m.getSerializedSize();
        upload.onNext(m);
      }
      upload.onCompleted();
      try {
        await(done, timeout, "secure-aggregation upload");
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
      }
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      logUpload(jobId, round, stage == SecAggStage.SEC_AGG_STAGE_MASKED_INPUT ? UploadLog.Kind.MASKED_INPUT
          : UploadLog.Kind.SECAGG_PROTOCOL, stage.name(), sent, failure);
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
    pushEvaluation(jobId, taskId, round, result, java.util.Optional.empty());
  }

  /** As {@link #pushEvaluation(String, String, int, EvaluationResult)} with the node's audit summary of the job, if any. */
  public void pushEvaluation(String jobId, String taskId, int round, EvaluationResult result,
      java.util.Optional<io.cohort.proto.v1.AuditSummary> audit) {
    PushEvaluationRequest.Builder b = PushEvaluationRequest.newBuilder().setSession(session).setJobId(jobId)
        .setTaskId(taskId).setRound(round).setResult(result);
    audit.ifPresent(b::setAudit);
    PushEvaluationRequest req = b.build();
    Throwable failure = null;
    try {
      blocking(rpcTimeout).pushEvaluation(req);
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      logUpload(jobId, round, UploadLog.Kind.EVALUATION, "", req.getSerializedSize(), failure);
    }
  }

  /** Reports privacy-ledger entries of a job (idempotent at the coordinator); returns how many were new. */
  public int pushLedgerEntries(String jobId, java.util.List<LedgerEntry> entries) {
    var req = PushLedgerEntriesRequest.newBuilder().setSession(session)
        .setJobId(jobId).addAllEntries(entries).build();
    Throwable failure = null;
    try {
      return blocking(rpcTimeout).pushLedgerEntries(req).getStored();
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      long round = entries.stream().mapToLong(LedgerEntry::getRound).max().orElse(0);
      logUpload(jobId, round, UploadLog.Kind.LEDGER_ENTRIES, entries.size() + " entries", req.getSerializedSize(),
          failure);
    }
  }

  public void abandonTask(String jobId, String taskId, String reason) {
    blocking(rpcTimeout).abandonTask(AbandonTaskRequest.newBuilder().setSession(session).setJobId(jobId)
        .setTaskId(taskId).setReason(reason).build());
  }
}
