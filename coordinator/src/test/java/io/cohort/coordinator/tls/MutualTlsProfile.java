package io.cohort.coordinator.tls;

import io.cohort.coordinator.pki.PkiFiles;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs the coordinator as in production: mutual TLS with a federation PKI created for the test run. */
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
    return Map.of(
        "cohort.tls.mode", "mutual",
        "cohort.tls.pki-dir", PKI_DIR.toString(),
        "quarkus.grpc.server.plain-text", "false",
        "quarkus.grpc.server.ssl.key-store", PKI_DIR.resolve(PkiFiles.SERVER_KEY_STORE).toString(),
        "quarkus.grpc.server.ssl.trust-store", PKI_DIR.resolve(PkiFiles.TRUST_STORE).toString(),
        // A database of its own: the default test profile's in-memory H2 outlives its restart and
        // already holds the bootstrap admin token, so this run would never write admin.token.
        "quarkus.datasource.h2.jdbc.url", "jdbc:h2:mem:cohort-test-tls;DB_CLOSE_DELAY=-1");
  }
}
