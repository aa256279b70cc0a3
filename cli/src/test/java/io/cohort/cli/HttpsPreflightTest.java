package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.pki.PkiFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21 #5: `cohort serve` names a bad HTTPS certificate or key in one line before the server starts. */
class HttpsPreflightTest {
  @TempDir Path dir;

  @Test
  void namesTheFileAndSetting_forAMissingMismatchedOrExpiredCertificate() throws Exception {
    Path pki = dir.resolve("pki");
    assertThatThrownBy(() -> HttpsPreflight.check(dir, List.of(), Map.of(), Instant.now()))
        .hasMessageContaining(pki.resolve("https.crt") + " (cohort.https.certificate) does not exist")
        .hasMessageContaining("cohort pki server-request");
    assertThatCode(() -> HttpsPreflight.check(dir, List.of("quarkus.profile=plaintext-dev"), Map.of(), Instant.now()))
        .as("plain HTTP in the development profile").doesNotThrowAnyException();

    PkiFiles.init(pki, "test federation", List.of(), Duration.ofDays(30), Clock.systemUTC());
    assertThatCode(() -> HttpsPreflight.check(dir, List.of(), Map.of(), Instant.now())).doesNotThrowAnyException();
    assertThatThrownBy(() -> HttpsPreflight.check(dir, List.of(), Map.of(), Instant.now().plus(Duration.ofDays(40))))
        .hasMessageStartingWith(pki.resolve("https.crt") + " (cohort.https.certificate): the certificate expired at");

    Path other = dir.resolve("other");
    PkiFiles.init(other, "another federation", List.of(), Duration.ofDays(30), Clock.systemUTC());
    List<String> mismatched = List.of("cohort.https.key=" + other.resolve("https.key"));
    assertThatThrownBy(() -> HttpsPreflight.check(dir, mismatched, Map.of(), Instant.now()))
        .hasMessageStartingWith(other.resolve("https.key") + " (cohort.https.key): this key does not match");
    Map<String, String> env = Map.of("COHORT_HTTPS_CERTIFICATE", dir.resolve("org.crt").toString());
    assertThatThrownBy(() -> HttpsPreflight.check(dir, List.of(), env, Instant.now()))
        .hasMessage(dir.resolve("org.crt") + ": no such file (cohort.https.certificate)");
    Files.delete(pki.resolve("https.crt"));
    assertThatThrownBy(() -> HttpsPreflight.check(dir, List.of(), Map.of(), Instant.now()))
        .hasMessageContaining("cohort pki server-cert --data-dir " + dir);
  }
}
