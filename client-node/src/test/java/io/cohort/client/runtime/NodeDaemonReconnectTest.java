package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.LocalTrainer;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PullTaskResponse;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.RegisterResponse;
import io.cohort.wire.TensorBundle;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The daemon against a real TCP server that goes away and comes back on the same port. */
class NodeDaemonReconnectTest {
  /** Counts registrations; rejects heartbeats of sessions it did not issue. */
  static final class FakeCoordinator implements NodeServiceGrpc.AsyncService {
    final AtomicInteger registrations = new AtomicInteger();
    final String sessionPrefix;

    FakeCoordinator(String sessionPrefix) {
      this.sessionPrefix = sessionPrefix;
    }

    @Override
    public void register(RegisterRequest req, StreamObserver<RegisterResponse> out) {
      int n = registrations.incrementAndGet();
      out.onNext(RegisterResponse.newBuilder().setSessionId(sessionPrefix + n).setHeartbeatIntervalMs(100).build());
      out.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
      if (!req.getSession().getSessionId().startsWith(sessionPrefix)) {
        out.onError(Status.UNAUTHENTICATED.asRuntimeException());
        return;
      }
      out.onNext(HeartbeatResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void pullTask(PullTaskRequest req, StreamObserver<PullTaskResponse> out) {
      out.onNext(PullTaskResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  private static final LocalTrainer NO_TRAINING = new LocalTrainer() {
    @Override
    public Optional<Decline> check(JobSpec spec) {
      return Optional.of(Decline.of("test node"));
    }

    @Override
    public Outcome train(JobSpec spec, int round, Optional<TensorBundle> global) {
      throw new UnsupportedOperationException();
    }

    @Override
    public TensorBundle initialParameters(JobSpec spec) {
      throw new UnsupportedOperationException();
    }

    @Override
    public EvaluationResult evaluate(JobSpec spec, TensorBundle model) {
      throw new UnsupportedOperationException();
    }
  };

  private static Server start(int port, FakeCoordinator service) throws Exception {
    return NettyServerBuilder.forPort(port).addService(NodeServiceGrpc.bindService(service)).build().start();
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void coordinatorRestart_nodeReconnectsAndRegistersAgain() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    FakeCoordinator first = new FakeCoordinator("first-");
    Server server = start(port, first);
    NodeConfig cfg = new NodeConfig("n1", "127.0.0.1", port, true, List.of(), Duration.ofSeconds(5), Duration.ofSeconds(1),
        java.nio.file.Files.createTempDirectory("cohort-node").resolve("identity.key"));
    NodeDaemon daemon = new NodeDaemon(cfg, "test", NO_TRAINING);
    Thread t = new Thread(() -> {
      try {
        daemon.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    t.start();
    try {
      await("first registration", () -> first.registrations.get() == 1);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Thread.sleep(500); // the node now fails to reach the coordinator and backs off
      FakeCoordinator second = new FakeCoordinator("second-");
      server = start(port, second);
      await("registration with the restarted coordinator", () -> second.registrations.get() >= 1);
      assertThat(first.registrations.get()).isEqualTo(1);
    } finally {
      daemon.close();
      t.join(10_000);
      server.shutdownNow();
    }
    assertThat(t.isAlive()).isFalse();
  }
}
