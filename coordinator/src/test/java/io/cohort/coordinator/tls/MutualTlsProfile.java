package io.cohort.coordinator.tls;

import io.cohort.coordinator.pki.PkiFiles;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the coordinator as in production: mutual TLS on gRPC and HTTPS only on the admin API, with a
 * federation PKI created for the test run.
 */
public class MutualTlsProfile implements QuarkusTestProfile {
  static final Path PKI_DIR = create();

  private static Path create() {
    try {
      Path dir = Files.createTempDirectory(Path.of("target"), "pki-test-").toAbsolutePath();
      PkiFiles.init(dir, "test federation", List.of("localhost"), Duration.ofDays(30), Clock.systemUTC());
      return dir;
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the test PKI", e);
    }
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.ofEntries(
        Map.entry("cohort.tls.mode", "mutual"),
        Map.entry("cohort.tls.pki-dir", PKI_DIR.toString()),
        Map.entry("quarkus.grpc.server.plain-text", "false"),
        Map.entry("quarkus.grpc.server.ssl.key-store", PKI_DIR.resolve(PkiFiles.SERVER_KEY_STORE).toString()),
        Map.entry("quarkus.grpc.server.ssl.trust-store", PKI_DIR.resolve(PkiFiles.TRUST_STORE).toString()),
        // Issue 21 #5: the admin API as in production, HTTPS only with the coordinator's https.crt.
        Map.entry("quarkus.http.ssl.certificate.files", PKI_DIR.resolve(PkiFiles.HTTPS_CERT).toString()),
        Map.entry("quarkus.http.ssl.certificate.key-files", PKI_DIR.resolve(PkiFiles.HTTPS_KEY).toString()),
        Map.entry("quarkus.http.insecure-requests", "disabled"),
        // A database of its own: the default test profile's in-memory H2 outlives its restart and
        // already holds the bootstrap admin token, so this run would never write admin.token.
        Map.entry("quarkus.datasource.h2.jdbc.url", "jdbc:h2:mem:cohort-test-tls;DB_CLOSE_DELAY=-1"));
  }
}
