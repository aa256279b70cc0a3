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
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PkiFiles.STORE_PASSWORD.toCharArray());
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
