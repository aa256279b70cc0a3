package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 finding #9: {@code cohort-node status} exited 0 for a revoked node. */
class StatusCommandTest {
  @TempDir Path dir;

  private Path nodeYaml(int port) throws Exception {
    Files.writeString(dir.resolve("tab.csv"), "x,c,y\n1,a,yes\n");
    return Files.writeString(dir.resolve("node.yaml"), """
        node_id: n1
        coordinator: 127.0.0.1:%d
        plaintext: true
        datasets:
          - alias: tab
            path: tab.csv
        """.formatted(port));
  }

  private static Server coordinator(Status heartbeatAnswer) throws Exception {
    NodeServiceGrpc.AsyncService service = new NodeServiceGrpc.AsyncService() {
      @Override
      public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
        out.onError(heartbeatAnswer.asRuntimeException());
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(NodeServiceGrpc.bindService(service)).build().start();
  }

  @Test
  void revokedNode_exitsNonZero_acceptedNodeExitsZero() throws Exception {
    Server revoked = coordinator(Status.PERMISSION_DENIED.withDescription(
        "the certificate of node 'n1' is revoked; the node must enrol again with a new token"));
    try {
      Run r = Run.of("status", "--config", nodeYaml(revoked.getPort()).toString());
      assertThat(r.code()).as("revoked: %s", r).isEqualTo(StatusCommand.REFUSED);
    } finally {
      revoked.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    Server accepting = coordinator(Status.UNAUTHENTICATED.withDescription("no current session for node 'n1'"));
    try {
      Run r = Run.of("status", "--config", nodeYaml(accepting.getPort()).toString());
      assertThat(r.code()).as("accepted: %s", r).isZero();
    } finally {
      accepting.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
