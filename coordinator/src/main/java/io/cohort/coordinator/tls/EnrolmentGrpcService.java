package io.cohort.coordinator.tls;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.pki.Enrolment;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.EnrolmentServiceGrpc;
import io.cohort.proto.v1.EnrolmentState;
import io.cohort.proto.v1.FetchCertificateRequest;
import io.cohort.proto.v1.FetchCertificateResponse;
import io.cohort.proto.v1.SubmitRequestRequest;
import io.cohort.proto.v1.SubmitRequestResponse;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Enrolment over gRPC: the one service a node may call before it has a certificate. */
@GrpcService
@Blocking
public class EnrolmentGrpcService implements BindableService, EnrolmentServiceGrpc.AsyncService {
  private static final Logger LOG = Logger.getLogger(EnrolmentGrpcService.class.getName());
  private static final int MAX_CSR_BYTES = 8192;

  @Inject PkiContext pki;

  @Override
  public ServerServiceDefinition bindService() {
    return EnrolmentServiceGrpc.bindService(this);
  }

  @Override
  public void submitRequest(SubmitRequestRequest req, StreamObserver<SubmitRequestResponse> out) {
    answer(out, () -> {
      if (req.getCsrDer().size() > MAX_CSR_BYTES) {
        throw DomainException.invalid("csr_der is larger than " + MAX_CSR_BYTES + " bytes");
      }
      Enrolment.Result r = pki.enrolment().submit(req.getNodeId(), req.getToken(), req.getCsrDer().toByteArray());
      LOG.info(() -> "certificate request from node '" + req.getNodeId() + "', fingerprint " + r.fingerprint() + ": "
          + r.state());
      return SubmitRequestResponse.newBuilder().setState(state(r.state())).setCsrFingerprint(r.fingerprint())
          .setCertificateChainPem(r.chainPem()).build();
    });
  }

  @Override
  public void fetchCertificate(FetchCertificateRequest req, StreamObserver<FetchCertificateResponse> out) {
    answer(out, () -> {
      Enrolment.Result r = pki.enrolment().fetch(req.getNodeId(), req.getCsrFingerprint(), req.getToken());
      return FetchCertificateResponse.newBuilder().setState(state(r.state())).setCertificateChainPem(r.chainPem()).build();
    });
  }

  private static EnrolmentState state(Enrolment.State s) {
    return switch (s) {
      case PENDING -> EnrolmentState.ENROLMENT_STATE_PENDING;
      case ISSUED -> EnrolmentState.ENROLMENT_STATE_ISSUED;
      case REJECTED -> EnrolmentState.ENROLMENT_STATE_REJECTED;
    };
  }

  private static <T> void answer(StreamObserver<T> out, Supplier<T> work) {
    T result;
    try {
      result = work.get();
    } catch (DomainException e) {
      Status s = switch (e.kind()) {
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case NOT_FOUND -> Status.NOT_FOUND;
        case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
        case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
        case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
        case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      };
      out.onError(s.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      String incident = SecureTokens.token().substring(0, 8);
      LOG.log(Level.SEVERE, "enrolment failed, incident " + incident, e);
      out.onError(Status.INTERNAL.withDescription("internal error (incident " + incident + " in the coordinator log)")
          .asRuntimeException());
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
