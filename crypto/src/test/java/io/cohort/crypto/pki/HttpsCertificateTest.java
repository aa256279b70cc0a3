package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21 #5: the admin API's ECDSA serving certificate, its request, and the checks before the server starts. */
class HttpsCertificateTest {
  @TempDir Path dir;

  private Path write(String name, X509Certificate cert, X509Certificate ca) throws Exception {
    Path f = dir.resolve(name);
    Pem.writePublic(f, Pem.certificates(List.of(cert, ca)).getBytes(StandardCharsets.US_ASCII));
    return f;
  }

  @Test
  void requestIssuedByTheCa_passesTheCheck_andAnotherKeyOrAnExpiredCertificateIsNamed() throws Exception {
    FederationCa ca = FederationCa.create("test federation", Duration.ofDays(30), Clock.systemUTC());
    Path keyFile = dir.resolve("https.key");
    KeyPair key = HttpsCertificate.loadOrCreate(keyFile);
    assertThat(HttpsCertificate.loadOrCreate(keyFile).getPublic()).as("kept, public half derived").isEqualTo(key.getPublic());
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");

    var requested = HttpsCertificate.parseRequest(Pem.decodeAll(HttpsCertificate.request(key), "CERTIFICATE REQUEST").get(0));
    X509Certificate cert = ca.issueHttps(requested, List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(7));
    assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
    cert.verify(ca.certificate().getPublicKey());
    Path certFile = write("https.crt", cert, ca.certificate());
    assertThat(HttpsCertificate.check(certFile, "cert.setting", keyFile, "key.setting", Instant.now())).hasSize(2);

    Path otherKey = dir.resolve("other.key");
    HttpsCertificate.loadOrCreate(otherKey);
    assertThatThrownBy(() -> HttpsCertificate.check(certFile, "cert.setting", otherKey, "key.setting", Instant.now()))
        .hasMessageContaining(otherKey + " (key.setting): this key does not match the certificate in " + certFile);
    assertThatThrownBy(() -> HttpsCertificate.check(certFile, "cert.setting", keyFile, "key.setting",
        Instant.now().plus(Duration.ofDays(8)))).hasMessageStartingWith(certFile + " (cert.setting): the certificate expired at");
    Path missing = dir.resolve("none.crt");
    assertThatThrownBy(() -> HttpsCertificate.check(missing, "cert.setting", keyFile, "key.setting", Instant.now()))
        .hasMessage(missing + ": no such file (cert.setting)");
    Path notKey = Files.writeString(dir.resolve("bad.key"), "not a key\n");
    assertThatThrownBy(() -> HttpsCertificate.check(certFile, "cert.setting", notKey, "key.setting", Instant.now()))
        .hasMessageStartingWith(notKey + " (key.setting): no unencrypted PEM private key");
  }

  @Test
  void ed25519Requests_areRefused_browsersCannotUseThem() throws Exception {
    NodeKey ed = NodeKey.loadOrCreate(dir.resolve("ed.key"));
    byte[] der = CertificationRequest.create("cohort-coordinator", ed).der();
    assertThatThrownBy(() -> HttpsCertificate.parseRequest(der)).hasMessageContaining("must be ECDSA P-256");
  }
}
