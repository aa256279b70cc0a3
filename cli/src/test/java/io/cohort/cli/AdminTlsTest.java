package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.cohort.coordinator.pki.PkiFiles;
import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 #5, the CLI's part: an {@code https://} admin API is trusted only with a certificate from
 * the federation CA the CLI holds (here a real TLS server with the coordinator's key store).
 */
class AdminTlsTest {
  @TempDir Path dir;
  private HttpsServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private URI serve(Path pki) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(pki.resolve(PkiFiles.SERVER_KEY_STORE).toFile())) {
      ks.load(in, PkiFiles.STORE_PASSWORD.toCharArray());
    }
    return serve(ks, PkiFiles.STORE_PASSWORD.toCharArray());
  }

  /** Serves with the admin API's PEM files (https.crt, https.key), as the coordinator's HTTP server does. */
  private URI servePem(Path cert, Path key) throws Exception {
    var pk = java.security.KeyFactory.getInstance("EC").generatePrivate(
        new java.security.spec.PKCS8EncodedKeySpec(io.cohort.crypto.pki.Pem.readOne(key, "PRIVATE KEY")));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("https", pk, new char[0],
        io.cohort.crypto.pki.Pem.readCertificates(cert).toArray(new java.security.cert.X509Certificate[0]));
    return serve(ks, new char[0]);
  }

  /** An HTTPS server on a free port with the key store's key, answering /api/v1/ping with {"ok": true}. */
  private URI serve(KeyStore ks, char[] password) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx));
    server.createContext("/api/v1/ping", x -> {
      byte[] body = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    server.start();
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Issue 21 #5: the admin API's ECDSA certificate (https.crt) from `cohort pki init` is trusted under
   * the federation CA; one for another host name is refused with a one-line reason.
   */
  @Test
  void httpsCertificate_isTrustedForItsNames_andRefusedForAnotherHost() throws Exception {
    Path data = dir.resolve("data");
    Path pki = data.resolve("pki");
    PkiFiles.init(pki, "test federation", List.of(), Duration.ofDays(30), Clock.systemUTC());
    CliConfig none = new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString()));
    URI uri = servePem(pki.resolve(PkiFiles.HTTPS_CERT), pki.resolve(PkiFiles.HTTPS_KEY));
    assertThat(new AdminClient(uri, "tok", AdminTls.context(uri, none, data)).get("/api/v1/ping").path("ok").asBoolean())
        .isTrue();
    server.stop(0);

    var ca = io.cohort.crypto.pki.FederationCa.load(pki, Clock.systemUTC());
    var key = io.cohort.crypto.pki.HttpsCertificate.loadOrCreate(pki.resolve(PkiFiles.HTTPS_KEY));
    var elsewhere = ca.issueHttps(key.getPublic(), List.of("coordinator.example.org"), List.of(), Duration.ofDays(1));
    Path cert = dir.resolve("elsewhere.crt");
    io.cohort.crypto.pki.Pem.writePublic(cert, io.cohort.crypto.pki.Pem.certificates(List.of(elsewhere, ca.certificate()))
        .getBytes(StandardCharsets.US_ASCII));
    URI other = servePem(cert, pki.resolve(PkiFiles.HTTPS_KEY));
    AdminClient client = new AdminClient(other, "tok", AdminTls.context(other, none, data));
    assertThatThrownBy(() -> client.get("/api/v1/ping")).isInstanceOf(CliException.class)
        .hasMessageContaining("refusing the coordinator at " + other).hasMessageContaining("does not name 127.0.0.1");
  }

  @Test
  void httpsAdminApi_isTrustedOnlyUnderTheFederationCa() throws Exception {
    Path data = dir.resolve("data");
    PkiFiles.init(data.resolve("pki"), "test federation", List.of(), Duration.ofDays(30), Clock.systemUTC());
    URI uri = serve(data.resolve("pki"));
    CliConfig none = new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString()));

    AdminClient viaDataDir = new AdminClient(uri, "tok", AdminTls.context(uri, none, data));
    assertThat(viaDataDir.get("/api/v1/ping").path("ok").asBoolean()).isTrue();

    Path other = dir.resolve("other");
    PkiFiles.init(other.resolve("pki"), "another federation", List.of(), Duration.ofDays(30), Clock.systemUTC());
    Path cfg = Files.writeString(dir.resolve("cli.yaml"), "ca_certificate: " + other.resolve("pki/ca.crt") + "\n");
    CliConfig otherCa = new CliConfig(Map.of("COHORT_CONFIG", cfg.toString()));
    AdminClient wrongCa = new AdminClient(uri, "tok", AdminTls.context(uri, otherCa, data));
    assertThatThrownBy(() -> wrongCa.get("/api/v1/ping")).isInstanceOf(CliException.class);

    assertThat(AdminTls.context(URI.create("http://127.0.0.1:8080"), otherCa, data)).as("plain HTTP unchanged").isNull();
  }
}
