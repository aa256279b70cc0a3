package io.cohort.coordinator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.RevocationList;
import io.cohort.crypto.pki.TlsMaterial;
import io.cohort.proto.v1.EnrolmentServiceGrpc;
import io.cohort.proto.v1.EnrolmentState;
import io.cohort.proto.v1.FetchCertificateRequest;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.NodePublicKeys;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.SessionRef;
import io.cohort.proto.v1.SubmitRequestRequest;
import io.cohort.proto.v1.SubmitRequestResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS against the real Quarkus gRPC server over loopback: who is refused (no certificate,
 * another CA, expired, revoked, impersonation) and online enrolment, with every enrolment message
 * inspected for the node's private key.
 */
@QuarkusTest
@TestProfile(MutualTlsProfile.class)
class MutualTlsGrpcTest {
  @ConfigProperty(name = "quarkus.grpc.server.test-port") int port;
  @ConfigProperty(name = "cohort.data-dir") String dataDir;
  @TestHTTPResource(value = "/", tls = true) URL http;
  @jakarta.inject.Inject io.cohort.coordinator.round.JobScheduler scheduler;
  @TempDir Path dir;

  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private FederationCa ca(Clock clock) throws Exception {
    return FederationCa.load(MutualTlsProfile.PKI_DIR, clock);
  }

  /** A node with a key and a certificate issued offline by {@code issuer}. */
  private record Node(String id, NodeKey key, List<X509Certificate> chain) {}

  private Node node(String id, FederationCa issuer, Duration validity) throws Exception {
    NodeKey key = NodeKey.loadOrCreate(dir.resolve(id + "-" + System.nanoTime() + ".identity.key"));
    X509Certificate cert = issuer.issueNode(CertificationRequest.create(id, key), id, validity);
    return new Node(id, key, List.of(cert, issuer.certificate()));
  }

  private NodeServiceGrpc.NodeServiceBlockingStub stub(Node n) throws Exception {
    var key = n == null ? null : TlsMaterial.nodeKeyManagers(n.key(), n.chain())[0];
    ManagedChannel c = TlsChannels.channel(port, key, TlsMaterial.trusting(ca(Clock.systemUTC()).certificate())[0]);
    channels.add(c);
    return NodeServiceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static RegisterRequest registration(String nodeId, NodeKey key) {
    return RegisterRequest.newBuilder().setNodeId(nodeId).setSoftwareVersion("test")
        .setPublicKeys(NodePublicKeys.newBuilder().setIdentityKeyEd25519(ByteString.copyFrom(key.publicKey().raw())))
        .build();
  }

  private static Status.Code code(Supplier<?> call) {
    try {
      call.get();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static HeartbeatRequest beat(String nodeId, String session) {
    return HeartbeatRequest.newBuilder().setSession(SessionRef.newBuilder().setNodeId(nodeId).setSessionId(session)).build();
  }

  @Test
  void nodeWithCertificate_registersAndHeartbeats() throws Exception {
    Node a = node("tls-a", ca(Clock.systemUTC()), Duration.ofDays(1));
    var stub = stub(a);
    String session = stub.register(registration(a.id(), a.key())).getSessionId();
    assertThat(code(() -> stub.heartbeat(beat(a.id(), session)))).isEqualTo(Status.Code.OK);
  }

  // Issue 21 #2: what secure rounds relay to peers: the certificate a node registered with and a CRL the CA signed.
  @Test
  void registeredCertificate_andTheCasCrl_areKeptForRelayToPeers() throws Exception {
    Node a = node("tls-relay", ca(Clock.systemUTC()), Duration.ofDays(1));
    stub(a).register(registration(a.id(), a.key()));
    byte[] expected = a.chain().get(0).getEncoded();
    assertThat(scheduler.identities().certificate("tls-relay")).hasValueSatisfying(der ->
        assertThat(der).isEqualTo(expected));
    byte[] crl = scheduler.identities().revocationListDer();
    assertThat(crl).isNotEmpty();
    io.cohort.crypto.pki.RevocationList.verified(crl, ca(Clock.systemUTC()).certificate()); // throws unless the CA signed it
  }

  @Test
  void nodeWithoutCertificate_isRefused() throws Exception {
    NodeKey key = NodeKey.loadOrCreate(dir.resolve("anon.identity.key"));
    var stub = stub(null);
    assertThat(code(() -> stub.register(registration("anon", key)))).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void certificateFromAnotherCa_failsTheHandshake() throws Exception {
    FederationCa other = FederationCa.create("test federation", Duration.ofDays(30), Clock.systemUTC());
    Node n = node("tls-other", other, Duration.ofDays(1));
    var stub = stub(n);
    assertThat(code(() -> stub.register(registration(n.id(), n.key())))).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void expiredCertificate_isRefused() throws Exception {
    Clock past = Clock.fixed(Instant.now().minus(Duration.ofDays(3)), ZoneOffset.UTC);
    Node n = node("tls-expired", ca(past), Duration.ofDays(1));
    var stub = stub(n);
    // The JDK's trust manager already refuses the handshake; the interceptor would refuse the call.
    assertThat(code(() -> stub.register(registration(n.id(), n.key()))))
        .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
  }

  @Test
  void nodeACertificate_cannotActAsNodeB() throws Exception {
    Node a = node("tls-imp-a", ca(Clock.systemUTC()), Duration.ofDays(1));
    Node b = node("tls-imp-b", ca(Clock.systemUTC()), Duration.ofDays(1));
    String sessionB = stub(b).register(registration(b.id(), b.key())).getSessionId();
    var asA = stub(a);
    assertThat(code(() -> asA.register(registration(b.id(), a.key())))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> asA.heartbeat(beat(b.id(), sessionB)))).isEqualTo(Status.Code.PERMISSION_DENIED);
    // Its own id, but another node's secure-aggregation identity key: refused as well.
    assertThat(code(() -> asA.register(registration(a.id(), b.key())))).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void revokedNode_isRefusedAtItsNextHeartbeat() throws Exception {
    Node n = node("tls-revoked", ca(Clock.systemUTC()), Duration.ofDays(1));
    var stub = stub(n);
    String session = stub.register(registration(n.id(), n.key())).getSessionId();
    assertThat(code(() -> stub.heartbeat(beat(n.id(), session)))).isEqualTo(Status.Code.OK);
    assertThat(admin("/api/v1/pki/nodes/" + n.id() + "/revoke").statusCode()).isEqualTo(200);
    assertThat(code(() -> stub.heartbeat(beat(n.id(), session)))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> stub.register(registration(n.id(), n.key())))).isEqualTo(Status.Code.PERMISSION_DENIED);
    // A certificate issued after the revocation (re-enrolment) is accepted again (a new key too: see
    // reEnrolledNodeWithANewKey_isAcceptedWithoutACoordinatorRestart).
    FederationCa later = ca(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1)));
    Node again = new Node(n.id(), n.key(), List.of(later.issueNode(CertificationRequest.create(n.id(), n.key()), n.id(),
        Duration.ofDays(1)), later.certificate()));
    assertThat(code(() -> stubUnchecked(again).register(registration(again.id(), again.key())))).isEqualTo(Status.Code.OK);
  }

  @Test
  void reEnrolledNodeWithANewKey_isAcceptedWithoutACoordinatorRestart() throws Exception {
    Node first = node("tls-rekey", ca(Clock.systemUTC()), Duration.ofDays(1));
    var oldStub = stub(first);
    String session = oldStub.register(registration(first.id(), first.key())).getSessionId();
    assertThat(code(() -> oldStub.heartbeat(beat(first.id(), session)))).isEqualTo(Status.Code.OK);
    // The site lost its key: the admin revokes the node and it enrols again with a new key pair.
    assertThat(admin("/api/v1/pki/nodes/" + first.id() + "/revoke").statusCode()).isEqualTo(200);
    Node second = node(first.id(), ca(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1))), Duration.ofDays(1));
    assertThat(second.key().publicKey().raw()).isNotEqualTo(first.key().publicKey().raw());
    var newStub = stub(second);
    String newSession = newStub.register(registration(second.id(), second.key())).getSessionId();
    assertThat(code(() -> newStub.heartbeat(beat(second.id(), newSession)))).isEqualTo(Status.Code.OK);
    // The old certificate and key stay refused.
    assertThat(code(() -> oldStub.register(registration(first.id(), first.key()))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void publishedCrl_listsTheRevokedNodesCertificates_signedByTheCa() throws Exception {
    String token = tokenFor("tls-crl", "auto");
    NodeKey key = NodeKey.loadOrCreate(dir.resolve("tls-crl.identity.key"));
    ManagedChannel c = TlsChannels.channel(port, null, TlsMaterial.pinnedCa(token.substring(token.indexOf('.') + 1)));
    channels.add(c);
    var r = EnrolmentServiceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS).submitRequest(
        SubmitRequestRequest.newBuilder().setNodeId("tls-crl").setToken(token)
            .setCsrDer(ByteString.copyFrom(csrDer("tls-crl", key))).build());
    X509Certificate cert = Pem.certificate(Pem.decodeAll(r.getCertificateChainPem(), "CERTIFICATE").get(0), "response");
    X509Certificate caCert = ca(Clock.systemUTC()).certificate();
    HttpResponse<String> before = get("/api/v1/pki/crl");
    assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
    assertThat(crl(before.body().getBytes(StandardCharsets.US_ASCII), caCert).isRevoked(cert.getSerialNumber()))
        .isFalse();
    assertThat(admin("/api/v1/pki/nodes/tls-crl/revoke").statusCode()).isEqualTo(200);
    HttpResponse<String> pem = get("/api/v1/pki/crl");
    assertThat(pem.body()).startsWith("-----BEGIN X509 CRL-----");
    assertThat(crl(pem.body().getBytes(StandardCharsets.US_ASCII), caCert).isRevoked(cert.getSerialNumber())).isTrue();
    HttpResponse<byte[]> der = https().send(HttpRequest.newBuilder(URI.create(http.toString())
        .resolve("/api/v1/pki/crl?format=der")).header("Authorization", "Bearer " + adminToken()).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(der.statusCode()).isEqualTo(200);
    assertThat(der.headers().firstValue("Content-Type")).hasValue("application/pkix-crl");
    assertThat(RevocationList.verified(der.body(), caCert).isRevoked(cert.getSerialNumber()))
        .isTrue();
    assertThat(get("/api/v1/pki/crl?format=xml").statusCode()).isEqualTo(400);
  }

  private static RevocationList crl(byte[] pem, X509Certificate ca) throws Exception {
    Path f = Files.createTempFile("crl", ".pem");
    try {
      Files.write(f, pem);
      return RevocationList.read(f, ca);
    } finally {
      Files.delete(f);
    }
  }

  /** A client that trusts exactly the test federation's CA, as the {@code cohort} CLI does. */
  private static HttpClient https() throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, TlsMaterial.trusting(Pem.readCertificates(MutualTlsProfile.PKI_DIR.resolve("ca.crt")).get(0)), null);
    return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Issue 21 #5: the admin API answers HTTPS with the coordinator's ECDSA certificate from the federation
   * CA; plain HTTP on its port gets no reply, and a client trusting another CA refuses the handshake.
   */
  @Test
  void adminApi_isHttpsOnly_underTheFederationCa() throws Exception {
    assertThat(http.getProtocol()).isEqualTo("https");
    HttpResponse<String> health = https().send(HttpRequest.newBuilder(URI.create(http.toString()).resolve("/q/health"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    X509Certificate served = (X509Certificate) health.sslSession().orElseThrow().getPeerCertificates()[0];
    assertThat(served.getPublicKey().getAlgorithm()).as("browsers accept no Ed25519 certificate").isEqualTo("EC");

    URI plain = URI.create("http://" + http.getHost() + ":" + http.getPort() + "/q/health");
    HttpClient plainClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> plainClient.send(HttpRequest.newBuilder(plain)
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()))
        .as("plain HTTP on the admin port").isInstanceOf(java.io.IOException.class);

    FederationCa other = FederationCa.create("another federation", Duration.ofDays(1), Clock.systemUTC());
    javax.net.ssl.SSLContext otherCtx = javax.net.ssl.SSLContext.getInstance("TLS");
    otherCtx.init(null, TlsMaterial.trusting(other.certificate()), null);
    HttpClient otherClient = HttpClient.newBuilder().sslContext(otherCtx).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> otherClient.send(HttpRequest.newBuilder(
        URI.create(http.toString()).resolve("/q/health")).GET().build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
  }

  private String adminToken() throws Exception {
    return Files.readString(Path.of(dataDir).resolve("admin.token")).strip();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return https().send(HttpRequest.newBuilder(URI.create(http.toString()).resolve(path))
        .header("Authorization", "Bearer " + adminToken()).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private NodeServiceGrpc.NodeServiceBlockingStub stubUnchecked(Node n) {
    try {
      return stub(n);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void onlineEnrolment_issuesACertificateAndThePrivateKeyNeverTravels() throws Exception {
    String token = tokenFor("tls-enrol", "auto");
    String caPin = token.substring(token.indexOf('.') + 1);
    assertThat(caPin).isEqualTo(TlsMaterial.fingerprint(ca(Clock.systemUTC()).certificate()));
    Path keyFile = dir.resolve("tls-enrol.identity.key");
    NodeKey key = NodeKey.loadOrCreate(keyFile);
    byte[] pkcs8 = Files.readAllBytes(keyFile);
    byte[] seed = java.util.Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    Recorder recorder = new Recorder();
    ManagedChannel c = TlsChannels.channel(port, null, TlsMaterial.pinnedCa(caPin), recorder);
    channels.add(c);
    var enrol = EnrolmentServiceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS);
    CertificationRequest csr = CertificationRequest.create("tls-enrol", key);
    SubmitRequestResponse r = enrol.submitRequest(SubmitRequestRequest.newBuilder().setNodeId("tls-enrol")
        .setToken(token).setCsrDer(ByteString.copyFrom(csr.der())).build());
    assertThat(r.getState()).isEqualTo(EnrolmentState.ENROLMENT_STATE_ISSUED);
    assertThat(r.getCsrFingerprint()).isEqualTo(csr.fingerprint());
    // Every message that crossed the wire, both ways: none holds the private key (seed or PKCS#8).
    assertThat(recorder.messages).isNotEmpty();
    for (byte[] m : recorder.messages) {
      assertThat(indexOf(m, seed)).isEqualTo(-1);
      assertThat(indexOf(m, pkcs8)).isEqualTo(-1);
    }
    List<X509Certificate> chain = Pem.decodeAll(r.getCertificateChainPem(), "CERTIFICATE").stream()
        .map(d -> {
          try {
            return Pem.certificate(d, "response");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).toList();
    Node enrolled = new Node("tls-enrol", key, chain);
    assertThat(code(() -> stubUnchecked(enrolled).register(registration("tls-enrol", key)))).isEqualTo(Status.Code.OK);
    // The token is spent: a second request under it (another key) is refused.
    NodeKey other = NodeKey.loadOrCreate(dir.resolve("other.identity.key"));
    assertThat(code(() -> enrol.submitRequest(SubmitRequestRequest.newBuilder().setNodeId("tls-enrol").setToken(token)
        .setCsrDer(ByteString.copyFrom(csrDer("tls-enrol", other))).build()))).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void manualApproval_issuesOnlyForTheApprovedFingerprint() throws Exception {
    String token = tokenFor("tls-manual", "manual");
    NodeKey key = NodeKey.loadOrCreate(dir.resolve("tls-manual.identity.key"));
    ManagedChannel c = TlsChannels.channel(port, null, TlsMaterial.pinnedCa(token.substring(token.indexOf('.') + 1)));
    channels.add(c);
    var enrol = EnrolmentServiceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS);
    CertificationRequest csr = CertificationRequest.create("tls-manual", key);
    var r = enrol.submitRequest(SubmitRequestRequest.newBuilder().setNodeId("tls-manual").setToken(token)
        .setCsrDer(ByteString.copyFrom(csr.der())).build());
    assertThat(r.getState()).isEqualTo(EnrolmentState.ENROLMENT_STATE_PENDING);
    assertThat(admin("/api/v1/pki/nodes/tls-manual/approve?fingerprint=" + "0".repeat(64)).statusCode()).isEqualTo(404);
    assertThat(admin("/api/v1/pki/nodes/tls-manual/approve?fingerprint=" + csr.fingerprint()).statusCode()).isEqualTo(200);
    var f = enrol.fetchCertificate(FetchCertificateRequest.newBuilder().setNodeId("tls-manual")
        .setCsrFingerprint(csr.fingerprint()).setToken(token).build());
    assertThat(f.getState()).isEqualTo(EnrolmentState.ENROLMENT_STATE_ISSUED);
    assertThat(f.getCertificateChainPem()).contains("BEGIN CERTIFICATE");
  }

  private static byte[] csrDer(String id, NodeKey key) {
    try {
      return CertificationRequest.create(id, key).der();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String tokenFor(String node, String approval) throws Exception {
    HttpResponse<String> r = admin("/api/v1/pki/tokens?node=" + node + "&approval=" + approval);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    return json.path("token").asText();
  }

  private HttpResponse<String> admin(String path) throws Exception {
    String token = Files.readString(Path.of(dataDir).resolve("admin.token")).strip();
    return https().send(HttpRequest.newBuilder(URI.create(http.toString()).resolve(path))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Records the serialized bytes of every message sent and received on a channel. */
  static final class Recorder implements ClientInterceptor {
    final List<byte[]> messages = new CopyOnWriteArrayList<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void sendMessage(Q message) {
          messages.add(((MessageLite) message).toByteArray());
          super.sendMessage(message);
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onMessage(R message) {
              messages.add(((MessageLite) message).toByteArray());
              super.onMessage(message);
            }
          }, headers);
        }
      };
    }
  }
}
