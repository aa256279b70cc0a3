package io.cohort.coordinator.app;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Singleton;
import java.util.logging.Level;
import java.util.logging.Logger;

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
  /**
   * Netty's per-stream warnings. A node that reconnects in the moment between the container's stop
   * and the gRPC listener's close opens a stream the stopping server can no longer dispatch (its
   * executor is already gone: "Index 0 out of bounds for length 0" in onHeadersRead), and the
   * transport logs that as a WARNING with a stack trace. The call fails UNAVAILABLE for the node
   * either way, so from {@link #close()} on these warnings are noise for the operator watching an
   * orderly stop. Held strongly so that the level set on it is not lost with a collected logger.
   */
  private static final Logger TRANSPORT = Logger.getLogger("io.grpc.netty.NettyServerHandler");
  private static Level transportLevel;
  private static boolean quieted;
  private static volatile boolean closed;

  /** Let calls through: at start (a test JVM may start the application again after a stop). */
  static synchronized void open() {
    closed = false;
    if (quieted) {
      TRANSPORT.setLevel(transportLevel);
      quieted = false;
    }
  }

  /** From now on, refuse new calls. */
  static synchronized void close() {
    closed = true;
    if (!quieted) {
      transportLevel = TRANSPORT.getLevel();
      quieted = true;
    }
    TRANSPORT.setLevel(Level.SEVERE);
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
