package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.app.CoordinatorConfig;
import io.cohort.coordinator.provenance.ProvenanceKey;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.witness.SignedAuditHead;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.SessionRef;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the running test coordinator: a heartbeat reply carries the audit head signed with the
 * provenance key (issue 22 #7); {@code cohort node list} sizes its columns to the content and
 * prints datasets for people, and {@code cohort node list|status} say "revoked" for a revoked node
 * instead of "not connected" (issue 22 #9, #10).
 */
@QuarkusTest
class NodeCommandTest {
  @ConfigProperty(name = "quarkus.grpc.server.test-port") int port;
  @TestHTTPResource("/") URI base;
  @Inject CoordinatorConfig config;
  @Inject ProvenanceKey provenance;
  @TempDir Path dir;

  private record Run(int exit, String out) {}

  private Run cohort(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--coordinator", base.toString(), "--token", adminToken()));
    PrintStream out = System.out;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      int exit = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())))
          .execute(all.toArray(String[]::new));
      return new Run(exit, o.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
    }
  }

  private String adminToken() throws Exception {
    return Files.readString(Path.of(config.dataDir()).resolve("admin.token"), StandardCharsets.US_ASCII).strip();
  }

  private SessionRef register(NodeServiceGrpc.NodeServiceBlockingStub stub, String node, String version) {
    String session = stub.register(RegisterRequest.newBuilder().setNodeId(node).setSoftwareVersion(version)
        .addDatasets(DatasetOffer.newBuilder().setAlias("credit").setFormat("csv"))
        .addDatasets(DatasetOffer.newBuilder().setAlias("ward-7").setFormat("csv")).build()).getSessionId();
    return SessionRef.newBuilder().setNodeId(node).setSessionId(session).build();
  }

  @Test
  void heartbeatReplies_carryTheAuditHeadSignedWithTheProvenanceKey() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      var stub = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      SessionRef s = register(stub, "witness-node", "test");
      HeartbeatResponse reply = stub.heartbeat(HeartbeatRequest.newBuilder().setSession(s).build());
      assertThat(reply.hasAuditHead()).isTrue();
      var h = reply.getAuditHead();
      SignedAuditHead head = new SignedAuditHead(h.getSeq(), h.getEntryHash(),
          IdentityPublicKey.fromRaw(h.getSignerPublicKey().toByteArray()), h.getSignature().toByteArray());
      assertThat(head.verifies()).isTrue();
      assertThat(head.signerFingerprint()).isEqualTo(provenance.fingerprint());
      // The head is the log's: its entry is there with that hash (the node's registration at the latest).
      HttpResponse<String> entry = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          base.resolve("/api/v1/audit?after=" + (head.seq() - 1) + "&limit=1")).header("Authorization", "Bearer "
          + adminToken()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(entry.body()).contains("\"seq\":" + head.seq()).contains(head.entryHash());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // Before: fixed widths let a long version run into DATASETS, which was printed as JSON; a revoked
  // node read "not connected".
  @Test
  void nodeList_fitsItsColumns_andNodeListAndStatusSayRevoked() throws Exception {
    String longVersion = "0.1.0-SNAPSHOT+build.20261206.abcdef";
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      var stub = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      register(stub, "list-node-long", longVersion);
      register(stub, "revoked-node", "test");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    HttpResponse<String> revoke = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        base.resolve("/api/v1/pki/nodes/revoked-node/revoke")).header("Authorization", "Bearer " + adminToken())
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);

    Run list = cohort("node", "list");
    assertThat(list.exit()).as(list.out()).isZero();
    List<String> lines = list.out().lines().toList();
    String header = lines.get(0);
    assertThat(header).contains("STATE");
    String longRow = lines.stream().filter(l -> l.startsWith("list-node-long ")).findFirst().orElseThrow();
    assertThat(longRow.indexOf(longVersion)).as("VERSION column in:%n%s", list.out())
        .isEqualTo(header.indexOf("VERSION"));
    assertThat(longRow.indexOf("credit, ward-7")).as("DATASETS column, for people, in:%n%s", list.out())
        .isEqualTo(header.indexOf("DATASETS"));
    assertThat(list.out()).doesNotContain("[\"credit\"");
    String revokedRow = lines.stream().filter(l -> l.startsWith("revoked-node ")).findFirst().orElseThrow();
    assertThat(revokedRow.substring(header.indexOf("STATE"))).startsWith("revoked ");

    Run status = cohort("node", "status", "revoked-node");
    assertThat(status.exit()).as(status.out()).isZero();
    assertThat(status.out()).contains("node revoked-node: REVOKED at ").doesNotContain("not connected")
        .contains("datasets credit, ward-7");
  }
}
