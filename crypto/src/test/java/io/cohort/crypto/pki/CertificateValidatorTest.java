package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateValidatorTest {
  @TempDir Path dir;
  private FederationCa ca;
  private CertificateValidator validator;
  private NodeKey key;

  @BeforeEach
  void setUp() throws Exception {
    ca = FederationCa.create("federation", Duration.ofDays(365), Clock.systemUTC());
    validator = new CertificateValidator(ca.certificate());
    key = NodeKey.loadOrCreate(dir.resolve("node-1.identity.key"));
  }

  private X509Certificate issue(FederationCa by, Duration validity) throws Exception {
    return by.issueNode(CertificationRequest.create("node-1", key), "node-1", validity);
  }

  @Test
  void certificateFromThisCa_isAcceptedWithItsNodeIdAndSerial() throws Exception {
    X509Certificate c = issue(ca, Duration.ofDays(1));
    NodeCertificate nc = validator.validateNode(List.of(c), Instant.now(), s -> false);
    assertThat(nc.nodeId()).isEqualTo("node-1");
    assertThat(nc.serial()).isEqualTo(c.getSerialNumber());
    assertThat(nc.fingerprint()).isEqualTo(TlsMaterial.fingerprint(c));
  }

  @Test
  void certificateFromAnotherCaWithTheSameName_isRejected() throws Exception {
    FederationCa other = FederationCa.create("federation", Duration.ofDays(365), Clock.systemUTC());
    X509Certificate c = issue(other, Duration.ofDays(1));
    assertThatThrownBy(() -> validator.validateNode(List.of(c), Instant.now(), s -> false))
        .isInstanceOf(PkiException.class).hasMessageContaining("not signed by this federation's CA");
  }

  @Test
  void expiredCertificate_isRejected() throws Exception {
    Instant past = Instant.now().minus(Duration.ofDays(10));
    FederationCa old = FederationCa.create("federation", Duration.ofDays(365), Clock.fixed(past, ZoneOffset.UTC));
    X509Certificate c = issue(old, Duration.ofDays(1));
    assertThatThrownBy(() -> new CertificateValidator(old.certificate()).validateNode(List.of(c), Instant.now(), s -> false))
        .isInstanceOf(PkiException.class).hasMessageContaining("expired");
  }

  @Test
  void revokedCertificate_isRejected() throws Exception {
    X509Certificate c = issue(ca, Duration.ofDays(1));
    assertThatThrownBy(() -> validator.validateNode(List.of(c), Instant.now(), c.getSerialNumber()::equals))
        .isInstanceOf(PkiException.class).hasMessageContaining("revoked");
  }

  @Test
  void tamperedCertificate_isRejected() throws Exception {
    byte[] der = issue(ca, Duration.ofDays(1)).getEncoded();
    int at = FederationCaTest.indexOf(der, "node-1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + 5;
    der[at] = '2';
    X509Certificate forged = Pem.certificate(der, "test");
    assertThat(forged.getSubjectX500Principal().getName()).isEqualTo("CN=node-2");
    assertThatThrownBy(() -> validator.validateNode(List.of(forged), Instant.now(), s -> false))
        .isInstanceOf(PkiException.class).hasMessageContaining("not signed");
  }

  @Test
  void serverCertificate_cannotActAsANode() throws Exception {
    X509Certificate server = ca.issueServer(dir.resolve("server.p12"), "pw".toCharArray(), List.of("localhost"),
        List.of(), Duration.ofDays(1));
    assertThatThrownBy(() -> validator.validateNode(List.of(server), Instant.now(), s -> false))
        .isInstanceOf(PkiException.class).hasMessageContaining("not a node");
  }

  @Test
  void noCertificate_isRejected() {
    assertThatThrownBy(() -> validator.validateNode(List.of(), Instant.now(), s -> false))
        .isInstanceOf(PkiException.class).hasMessageContaining("no client certificate");
  }

  @Test
  void pemChain_roundTrips() throws Exception {
    X509Certificate c = issue(ca, Duration.ofDays(1));
    Path f = dir.resolve("chain.crt");
    Pem.writePublic(f, Pem.certificates(List.of(c, ca.certificate())).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(Pem.readCertificates(f)).containsExactly(c, ca.certificate());
  }
}
