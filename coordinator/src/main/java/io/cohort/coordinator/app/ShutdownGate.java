package io.cohort.coordinator.app;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Singleton;

/**
 * Refuses node calls once the coordinator has begun to stop (issue 22 finding #4). Quarkus stops
 * the CDI container before the separate gRPC server, so a call that arrived in between failed
 * inside Quarkus's blocking-call dispatch with a stack trace. From {@link #close()} on, every
 * new call is answered UNAVAILABLE "coordinator is shutting down" (nodes back off and reconnect
 * to the next start) before it reaches any CDI bean.
 *
 * <p>A {@code @Singleton} (no client proxy, so it still works after the container stopped), run
 * before Quarkus's request-context and blocking interceptors.
 */
@Singleton
@GlobalInterceptor
public class ShutdownGate implements ServerInterceptor, Prioritized {
  private static volatile boolean closed;

  /** Let calls through: at start (a test JVM may start the application again after a stop). */
  static void open() {
    closed = false;
  }

  /** From now on, refuse new calls. */
  static void close() {
    closed = true;
  }

  @Override
  public int getPriority() {
    // Between Quarkus's duplicated-context (MAX - 5) and request-context (MAX - 50) interceptors.
    return Integer.MAX_VALUE - 20;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (closed) {
      call.close(Status.UNAVAILABLE.withDescription("coordinator is shutting down"), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return next.startCall(call, headers);
  }
}
