package io.cohort.coordinator.grpc;

import io.cohort.coordinator.DomainException;
import io.cohort.crypto.SecureTokens;
import io.cohort.crypto.secagg.Receipt;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become gRPC statuses. Domain refusals keep their message; any
 * other exception becomes INTERNAL with an incident id that is also logged, never a stack trace
 * or class name on the wire.
 */
final class GrpcErrors {
  private static final Logger LOG = Logger.getLogger(GrpcErrors.class.getName());

  private GrpcErrors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof DomainException d) {
      Status code = switch (d.kind()) {
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case NOT_FOUND -> Status.NOT_FOUND;
        case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
        case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
        case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
        case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      };
      return code.withDescription(d.getMessage()).asRuntimeException();
    }
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return Status.UNAVAILABLE.withDescription("coordinator is shutting down").asRuntimeException();
    }
    String incident = SecureTokens.token().substring(0, 8);
    LOG.log(Level.SEVERE, "internal error, incident " + incident, t);
    return Status.INTERNAL.withDescription("internal error (incident " + incident + " in the coordinator log)")
        .asRuntimeException();
  }

  /**
   * The status for a secure-aggregation receipt that is not ACCEPTED: REJECTED (not part of the
   * session, badly signed or malformed) is INVALID_ARGUMENT, LATE (the stage closed) is
   * FAILED_PRECONDITION, DUPLICATE (an identical copy was applied) is ALREADY_EXISTS.
   */
  static StatusRuntimeException toStatus(Receipt r) {
    Status code = switch (r.status()) {
      case REJECTED -> Status.INVALID_ARGUMENT;
      case LATE -> Status.FAILED_PRECONDITION;
      case DUPLICATE -> Status.ALREADY_EXISTS;
      case ACCEPTED -> Status.OK;
    };
    return code.withDescription(r.reason()).asRuntimeException();
  }

  /** Runs a unary call, sending its response or the mapped failure. */
  static <T> void unary(StreamObserver<T> out, ThrowingSupplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (Throwable t) {
      out.onError(toStatus(t));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  @FunctionalInterface
  interface ThrowingSupplier<T> {
    T get() throws Exception;
  }
}
