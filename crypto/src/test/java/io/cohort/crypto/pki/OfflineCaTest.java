package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21 #1: the offline CA's key is encrypted at rest; the coordinator's certificate is signed from its request. */
class OfflineCaTest {
  @TempDir Path dir;

  @Test
  void keyIsEncrypted_loadsOnlyWithItsPassphrase_andSignsLikeTheDevelopmentCa() throws Exception {
    Path ca = dir.resolve("ca");
    char[] pass = "a long passphrase".toCharArray();
    FederationCa created = FederationCa.initOffline(ca, "federation", Duration.ofDays(30), Clock.systemUTC(), pass.clone());
    assertThat(FederationCa.isProtected(ca)).isTrue();
    String pem = Files.readString(ca.resolve(FederationCa.KEY_FILE));
    assertThat(pem).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    assertThatThrownBy(() -> FederationCa.load(ca, Clock.systemUTC())).isInstanceOf(PkiException.class)
        .hasMessageContaining("passphrase-protected");
    assertThatThrownBy(() -> FederationCa.load(ca, Clock.systemUTC(), "another passphrase"::toCharArray))
        .isInstanceOf(PkiException.class).hasMessageContaining("wrong CA passphrase");
    assertThatThrownBy(() -> FederationCa.initOffline(dir.resolve("short"), "f", Duration.ofDays(1), Clock.systemUTC(),
        "short".toCharArray())).isInstanceOf(PkiException.class).hasMessageContaining("at least 8");
    FederationCa loaded = FederationCa.load(ca, Clock.systemUTC(), pass::clone);
    assertThat(loaded.certificate()).isEqualTo(created.certificate());

    NodeKey coordinatorKey = NodeKey.loadOrCreate(dir.resolve("coordinator.key"));
    var server = loaded.issueServer(CertificationRequest.create("cohort-coordinator", coordinatorKey),
        List.of("localhost", "coord.example.org"), List.of("127.0.0.1"), Duration.ofDays(30));
    server.verify(loaded.certificate().getPublicKey());
    assertThat(server.getSubjectAlternativeNames()).hasSize(3);
    TlsMaterial.writeServerKeyStore(dir.resolve("coordinator.p12"), "pw".toCharArray(), coordinatorKey,
        List.of(server, loaded.certificate()));
    assertThatThrownBy(() -> TlsMaterial.writeServerKeyStore(dir.resolve("other.p12"), "pw".toCharArray(),
        NodeKey.loadOrCreate(dir.resolve("other.key")), List.of(server, loaded.certificate())))
        .isInstanceOf(PkiException.class).hasMessageContaining("does not certify this coordinator's key");
  }
}
