package io.cohort.coordinator.grpc;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.ledger.LedgerIntake;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.round.RoundSettings;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.PrivacyStore;
import io.cohort.coordinator.store.ReservedBudgets;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.coordinator.tls.PeerIdentityInterceptor;
import io.cohort.proto.v1.AbandonTaskRequest;
import io.cohort.proto.v1.AbandonTaskResponse;
import io.cohort.proto.v1.ActiveJobs;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.AnswerOfferResponse;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.DownloadModelRequest;
import io.cohort.proto.v1.DownloadModelResponse;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.LedgerAck;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PullTaskResponse;
import io.cohort.proto.v1.PushEvaluationRequest;
import io.cohort.proto.v1.PushEvaluationResponse;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import io.cohort.proto.v1.PushLedgerEntriesResponse;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.PushSecAggResponse;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.RegisterResponse;
import io.cohort.proto.v1.SessionRef;
import io.cohort.proto.v1.SignedAuditHead;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorChunker;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The node-facing gRPC service: checks each request at the boundary and delegates to the
 * registry, the scheduler's round drivers and the model store. Blocking work (long polls, file
 * reads, aggregation hand-off) runs on worker threads, never on the event loop.
 */
@GrpcService
@Blocking
public class NodeGrpcService implements BindableService, NodeServiceGrpc.AsyncService {
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final int MAX_WAIT_MS = 30_000;

  @Inject NodeRegistry registry;
  @Inject JobScheduler scheduler;
  @Inject JobStore store;
  @Inject ModelStore models;
  @Inject RoundSettings settings;
  @Inject Clock clock;
  @Inject LedgerIntake ledgers;
  @Inject PrivacyStore privacy;
  @Inject PrivacyAuditStore audits;
  @Inject LedgerEntryStore signedEntries;
  @Inject ReservedBudgets reserved;
  @Inject io.cohort.coordinator.audit.SignedHeads auditHeads;
  @Inject io.cohort.coordinator.provenance.ModelReceiptIntake receipts;

  @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
  String version;

  /** Binds the service with malformed requests answered by INVALID_ARGUMENT (see {@link InvalidMessageGuard}). */
  @Override
  public ServerServiceDefinition bindService() {
    return InvalidMessageGuard.wrap(NodeServiceGrpc.bindService(this));
  }

  @Override
  public void register(RegisterRequest req, StreamObserver<RegisterResponse> out) {
    GrpcErrors.unary(out, () -> {
      if (!NODE_ID.matcher(req.getNodeId()).matches()) {
        throw DomainException.invalid("node_id must be 1-128 letters, digits, '.', '_' or '-' starting with a letter"
            + " or digit, got '" + req.getNodeId() + "'");
      }
      var aliases = req.getDatasetsList().stream().map(DatasetOffer::getAlias).toList();
      var budgets = DeclaredBudgets.of(req, clock.instant()); // checked before anything is recorded
      byte[] identityKey = req.getPublicKeys().getIdentityKeyEd25519().toByteArray();
      if (PeerIdentityInterceptor.NODE_CERTIFICATE.get() != null) {
        // The transport already checked that this key is the one the caller's valid certificate certifies.
        scheduler.identities().recordCertified(req.getNodeId(), identityKey,
            PeerIdentityInterceptor.NODE_CERTIFICATE_DER.get());
      } else {
        scheduler.identities().record(req.getNodeId(), identityKey);
      }
      store.upsertNode(req.getNodeId(), req.getSoftwareVersion(), aliases, clock.instant());
      privacy.declareBudgets(req.getNodeId(), budgets);
      NodeSession s = registry.register(req.getNodeId(), req.getSoftwareVersion(), aliases);
      RegisterResponse.Builder r = RegisterResponse.newBuilder().setSessionId(s.sessionId())
          .setHeartbeatIntervalMs((int) registry.heartbeatInterval().toMillis()).setCoordinatorVersion(version);
      // Issue 22 #1: the newest verified entry per dataset, so the node can tell its file was cut back.
      for (String alias : aliases) {
        signedEntries.byNodeAndDataset(req.getNodeId(), alias).stream()
            .max(java.util.Comparator.comparingLong(StoredLedgerEntry::seq))
            .ifPresent(e -> r.addLedgerAcks(LedgerAck.newBuilder().setDatasetAlias(alias).setSeq(e.seq())
                .setEntryHash(e.entryHash())));
      }
      return r.build();
    });
  }

  private NodeSession session(SessionRef ref) {
    return registry.authenticate(ref.getNodeId(), ref.getSessionId());
  }

  @Override
  public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
    GrpcErrors.unary(out, () -> {
      NodeSession s = session(req.getSession());
      // Issue 22 #2: what the node reserved, shown beside spent; only for datasets it offered.
      for (var r : req.getReservedList()) {
        if (s.datasets().contains(r.getDatasetAlias())) {
          reserved.report(s.nodeId(), r.getDatasetAlias(), r.getEpsilon(), r.getJobs());
        }
      }
      // Issue 22 #2: the node releases what it reserved for jobs on its datasets no longer listed.
      ActiveJobs.Builder active = ActiveJobs.newBuilder();
      for (var j : store.activeJobs()) {
        if (s.datasets().contains(j.spec().getDatasetAlias())) {
          active.addJobIds(j.spec().getJobId());
        }
      }
      HeartbeatResponse.Builder r = HeartbeatResponse.newBuilder().setServerTimeUnixMs(clock.millis())
          .setActiveJobs(active);
      // Issue 22 #7: the signed audit head, which the node witnesses.
      auditHeads.current().ifPresent(h -> r.setAuditHead(SignedAuditHead.newBuilder().setSeq(h.seq())
          .setEntryHash(h.entryHash()).setSignerPublicKey(com.google.protobuf.ByteString.copyFrom(h.signer().raw()))
          .setSignature(com.google.protobuf.ByteString.copyFrom(h.signature()))));
      return r.build();
    });
  }

  @Override
  public void pullTask(PullTaskRequest req, StreamObserver<PullTaskResponse> out) {
    GrpcErrors.unary(out, () -> {
      NodeSession s = session(req.getSession());
      int wait = Math.max(0, Math.min(req.getMaxWaitMs(), MAX_WAIT_MS));
      PullTaskResponse.Builder b = PullTaskResponse.newBuilder();
      registry.poll(s, Duration.ofMillis(wait)).ifPresent(b::setTask);
      return b.build();
    });
  }

  @Override
  public void answerOffer(AnswerOfferRequest req, StreamObserver<AnswerOfferResponse> out) {
    GrpcErrors.unary(out, () -> {
      NodeSession s = session(req.getSession());
      NodeResultChecks.declineReason(req.getDeclineReason());
      scheduler.driver(req.getJobId()).offers().answer(s, req.getAccept(), req.getDeclineReason());
      return AnswerOfferResponse.getDefaultInstance();
    });
  }

  @Override
  public void downloadModel(DownloadModelRequest req, StreamObserver<DownloadModelResponse> out) {
    TensorBundle bundle;
    try {
      session(req.getSession());
      if (!scheduler.driver(req.getJobId()).ownsModel(req.getModelId())) {
        throw DomainException.notFound("model '" + req.getModelId() + "' is not part of job " + req.getJobId());
      }
      try {
        bundle = models.read(req.getModelId());
      } catch (IllegalArgumentException | java.nio.file.NoSuchFileException e) {
        throw DomainException.notFound("no model '" + req.getModelId() + "'");
      }
    } catch (Exception e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    out.onNext(DownloadModelResponse.newBuilder().setHeader(bundle.header()).build());
    TensorChunker.chunks(bundle, c -> out.onNext(DownloadModelResponse.newBuilder().setChunk(c).build()));
    out.onCompleted();
  }

  @Override
  public StreamObserver<PushUpdateRequest> pushUpdate(StreamObserver<PushUpdateResponse> out) {
    return new UpdateUpload(out, registry, scheduler, receipts, settings.maxUpdateBytes());
  }

  @Override
  public StreamObserver<PushSecAggRequest> pushSecAgg(StreamObserver<PushSecAggResponse> out) {
    // A masked input is 4 * (d + 1) bytes plus a small header; other stage messages are smaller.
    return new SecAggUpload(out, registry, scheduler, receipts, settings.maxUpdateBytes() + 4096);
  }

  @Override
  public void pushEvaluation(PushEvaluationRequest req, StreamObserver<PushEvaluationResponse> out) {
    GrpcErrors.unary(out, () -> {
      NodeSession s = session(req.getSession());
      NodeResultChecks.evaluation(req.getResult());
      if (req.hasAudit()) {
        NodeResultChecks.audit(req.getAudit());
      }
      var driver = scheduler.driver(req.getJobId());
      if (req.hasAudit() && driver.audited() && driver.tasks().ownsEvaluation(req.getTaskId())) {
        // Kept only with an evaluation for an open task of an audited job, and before the evaluation is
        // delivered, so that the job cannot complete without its last round's audit.
        var a = req.getAudit();
        audits.record(new PrivacyAuditStore.Row(req.getJobId(), s.nodeId(), a.getRound(), a.getSteps(),
            a.getCanaries(), a.getGuesses(), a.getCorrect(), a.getEpsilonLowerBound(), a.getDelta(),
            a.getConfidence(), a.hasAccountedEpsilon() ? a.getAccountedEpsilon() : Double.NaN, clock.instant()));
      }
      driver.tasks().deliverEvaluation(s, req.getTaskId(), req.getRound(), req.getResult());
      return PushEvaluationResponse.getDefaultInstance();
    });
  }

  @Override
  public void abandonTask(AbandonTaskRequest req, StreamObserver<AbandonTaskResponse> out) {
    GrpcErrors.unary(out, () -> {
      NodeSession s = session(req.getSession());
      String reason = req.getReason().length() > 4000 ? req.getReason().substring(0, 4000) : req.getReason();
      scheduler.driver(req.getJobId()).tasks().abandon(s, req.getTaskId(), reason);
      return AbandonTaskResponse.getDefaultInstance();
    });
  }

  @Override
  public void pushLedgerEntries(PushLedgerEntriesRequest req, StreamObserver<PushLedgerEntriesResponse> out) {
    GrpcErrors.unary(out, () -> {
      NodeSession s = session(req.getSession());
      if (store.job(req.getJobId()).isEmpty()) {
        throw DomainException.notFound("no job '" + req.getJobId() + "'");
      }
      int stored = ledgers.accept(s.nodeId(), scheduler.identities().get(s.nodeId()), req, clock.instant());
      return PushLedgerEntriesResponse.newBuilder().setStored(stored).build();
    });
  }
}
