package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK's TLS 1.3 accepts Ed25519 certificates on both sides; these are real handshakes over loopback. */
class TlsMaterialTest {
  @TempDir Path dir;

  @Test
  void mutualTls13_withEd25519Certificates_authenticatesTheNode() throws Exception {
    FederationCa ca = FederationCa.create("fed", Duration.ofDays(30), Clock.systemUTC());
    NodeKey key = NodeKey.loadOrCreate(dir.resolve("n1.identity.key"));
    X509Certificate cert = ca.issueNode(CertificationRequest.create("n1", key), "n1", Duration.ofDays(1));
    SSLContext client = SSLContext.getInstance("TLSv1.3");
    client.init(TlsMaterial.nodeKeyManagers(key, List.of(cert, ca.certificate())), TlsMaterial.trusting(ca.certificate()), null);
    String peer = handshake(server(ca), client, true);
    assertThat(peer).isEqualTo("CN=n1");
  }

  @Test
  void pinnedCa_acceptsTheRightCoordinatorAndRefusesAnother() throws Exception {
    FederationCa ca = FederationCa.create("fed", Duration.ofDays(30), Clock.systemUTC());
    SSLContext ok = SSLContext.getInstance("TLSv1.3");
    ok.init(null, new TrustManager[] {TlsMaterial.pinnedCa(TlsMaterial.fingerprint(ca.certificate()))}, null);
    handshake(server(ca, false), ok, false);
    FederationCa other = FederationCa.create("fed", Duration.ofDays(30), Clock.systemUTC());
    SSLContext bad = SSLContext.getInstance("TLSv1.3");
    bad.init(null, new TrustManager[] {TlsMaterial.pinnedCa(TlsMaterial.fingerprint(other.certificate()))}, null);
    assertThatThrownBy(() -> handshake(server(ca, false), bad, false)).isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void nodeKeyManagers_refuseACertificateForAnotherKey() throws Exception {
    FederationCa ca = FederationCa.create("fed", Duration.ofDays(30), Clock.systemUTC());
    NodeKey a = NodeKey.loadOrCreate(dir.resolve("a.identity.key"));
    NodeKey b = NodeKey.loadOrCreate(dir.resolve("b.identity.key"));
    X509Certificate certA = ca.issueNode(CertificationRequest.create("a", a), "a", Duration.ofDays(1));
    assertThatThrownBy(() -> TlsMaterial.nodeKeyManagers(b, List.of(certA))).isInstanceOf(PkiException.class)
        .hasMessageContaining("does not certify");
  }

  private SSLContext server(FederationCa ca) throws Exception {
    return server(ca, true);
  }

  private SSLContext server(FederationCa ca, boolean clientAuth) throws Exception {
    Path p12 = dir.resolve("server-" + System.nanoTime() + ".p12");
    ca.issueServer(p12, "pw".toCharArray(), List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = new FileInputStream(p12.toFile())) {
      ks.load(in, "pw".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "pw".toCharArray());
    SSLContext s = SSLContext.getInstance("TLSv1.3");
    s.init(kmf.getKeyManagers(), clientAuth ? TlsMaterial.trusting(ca.certificate()) : null, null);
    return s;
  }

  /** Runs one handshake; returns the client principal the server saw (or null). */
  private static String handshake(SSLContext server, SSLContext client, boolean needClientAuth) throws Exception {
    try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0)) {
      ss.setNeedClientAuth(needClientAuth);
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
        try (SSLSocket s = (SSLSocket) ss.accept()) {
          s.startHandshake();
          s.getOutputStream().write(1);
          s.getOutputStream().flush();
          return s.getNeedClientAuth() ? s.getSession().getPeerPrincipal().getName() : null;
        } catch (Exception e) {
          return "server failed: " + e;
        }
      });
      try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("localhost", ss.getLocalPort())) {
        c.startHandshake();
        c.getInputStream().read();
      }
      return seen.get(30, TimeUnit.SECONDS);
    }
  }
}
