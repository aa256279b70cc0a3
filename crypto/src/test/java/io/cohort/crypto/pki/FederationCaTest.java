package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FederationCaTest {
  private static final Clock CLOCK = Clock.systemUTC();
  @TempDir Path dir;

  private NodeKey nodeKey(String id) throws Exception {
    return NodeKey.loadOrCreate(dir.resolve("node").resolve(id + ".identity.key"));
  }

  @Test
  void init_createsCaKeyFileOwnerOnly() throws Exception {
    FederationCa.init(dir.resolve("pki"), "test federation", Duration.ofDays(30), CLOCK);
    Path key = dir.resolve("pki").resolve(FederationCa.KEY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void init_refusesToOverwriteExistingCa() throws Exception {
    FederationCa.init(dir, "a", Duration.ofDays(30), CLOCK);
    assertThatThrownBy(() -> FederationCa.init(dir, "b", Duration.ofDays(30), CLOCK))
        .isInstanceOf(PkiException.class).hasMessageContaining("already exists");
  }

  @Test
  void loadedCa_issuesCertificatesTheStoredCertificateVerifies() throws Exception {
    FederationCa created = FederationCa.init(dir, "a", Duration.ofDays(30), CLOCK);
    FederationCa loaded = FederationCa.load(dir, CLOCK);
    NodeKey key = nodeKey("node-1");
    X509Certificate cert = loaded.issueNode(CertificationRequest.create("node-1", key), "node-1", Duration.ofDays(1));
    NodeCertificate nc = new CertificateValidator(created.certificate()).validateNode(List.of(cert), Instant.now(), s -> false);
    assertThat(nc.nodeId()).isEqualTo("node-1");
    // The certificate's key is the node's secure-aggregation identity key: bound by construction.
    assertThat(nc.identityKey()).isEqualTo(key.publicKey());
  }

  @Test
  void request_survivesDerRoundTripAndKeepsItsFingerprint() throws Exception {
    CertificationRequest r = CertificationRequest.create("node-1", nodeKey("node-1"));
    CertificationRequest parsed = CertificationRequest.parse(r.der());
    assertThat(parsed.fingerprint()).isEqualTo(r.fingerprint()).hasSize(64);
    assertThat(parsed.nodeId()).isEqualTo("node-1");
    assertThat(Pem.decodeAll(r.toPem(), "CERTIFICATE REQUEST")).singleElement().isEqualTo(r.der());
  }

  @Test
  void request_neverContainsThePrivateKey() throws Exception {
    Path keyFile = dir.resolve("n.identity.key");
    NodeKey key = NodeKey.loadOrCreate(keyFile);
    byte[] pkcs8 = Files.readAllBytes(keyFile);
    byte[] seed = java.util.Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    byte[] der = CertificationRequest.create("n", key).der();
    assertThat(indexOf(der, seed)).isEqualTo(-1);
  }

  @Test
  void tamperedRequest_isRejected() throws Exception {
    byte[] der = CertificationRequest.create("node-1", nodeKey("node-1")).der();
    // Change the CN's last character ('1' -> '2'): the self-signature no longer verifies.
    int at = indexOf(der, "node-1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + 5;
    der[at] = '2';
    assertThatThrownBy(() -> CertificationRequest.parse(der)).isInstanceOf(PkiException.class)
        .hasMessageContaining("signature");
  }

  @Test
  void issueNode_refusesRequestForAnotherNode() throws Exception {
    FederationCa ca = FederationCa.create("a", Duration.ofDays(30), CLOCK);
    CertificationRequest r = CertificationRequest.create("node-a", nodeKey("node-a"));
    assertThatThrownBy(() -> ca.issueNode(r, "node-b", Duration.ofDays(1)))
        .isInstanceOf(PkiException.class).hasMessageContaining("not 'node-b'");
  }

  @Test
  void validity_outsideOneMinuteToTenYears_isRejectedWithTheRange() throws Exception {
    FederationCa ca = FederationCa.create("a", Duration.ofDays(30), CLOCK);
    CertificationRequest r = CertificationRequest.create("n", nodeKey("n"));
    assertThatThrownBy(() -> ca.issueNode(r, "n", Duration.ofSeconds(5)))
        .isInstanceOf(PkiException.class).hasMessageContaining("between 1 minute and 3650 days");
  }

  @Test
  void serials_arePositiveAndDistinct() throws Exception {
    FederationCa ca = FederationCa.create("a", Duration.ofDays(30), CLOCK);
    CertificationRequest r = CertificationRequest.create("n", nodeKey("n"));
    Set<BigInteger> serials = new java.util.HashSet<>();
    for (int i = 0; i < 20; i++) {
      BigInteger s = ca.issueNode(r, "n", Duration.ofDays(1)).getSerialNumber();
      assertThat(s.signum()).isPositive();
      serials.add(s);
    }
    assertThat(serials).hasSize(20);
  }

  @Test
  void revocationList_isSignedByTheCaAndListsSerials() throws Exception {
    FederationCa ca = FederationCa.create("a", Duration.ofDays(30), CLOCK);
    RevocationList crl = ca.revocationList(List.of(BigInteger.valueOf(7), BigInteger.valueOf(9)), BigInteger.ONE,
        Duration.ofHours(1));
    RevocationList parsed = RevocationList.verified(Pem.decodeAll(crl.toPem(), "X509 CRL").get(0), ca.certificate());
    assertThat(parsed.isRevoked(BigInteger.valueOf(9))).isTrue();
    assertThat(parsed.isRevoked(BigInteger.valueOf(8))).isFalse();
  }

  @Test
  void revocationList_fromAnotherCaOrTampered_isRejected() throws Exception {
    FederationCa ca = FederationCa.create("a", Duration.ofDays(30), CLOCK);
    FederationCa other = FederationCa.create("a", Duration.ofDays(30), CLOCK);
    byte[] der = other.revocationList(List.of(BigInteger.TEN), BigInteger.ONE, Duration.ofHours(1)).der();
    assertThatThrownBy(() -> RevocationList.verified(der, ca.certificate())).isInstanceOf(PkiException.class)
        .hasMessageContaining("signature");
    byte[] mine = ca.revocationList(List.of(BigInteger.TEN), BigInteger.ONE, Duration.ofHours(1)).der();
    mine[mine.length - 5] ^= 1;
    assertThatThrownBy(() -> RevocationList.verified(mine, ca.certificate())).isInstanceOf(PkiException.class);
  }

  @Test
  void caCertificate_isValidFromSkewBeforeCreation() throws Exception {
    Instant t = Instant.parse("2030-01-01T00:00:00Z");
    FederationCa ca = FederationCa.create("a", Duration.ofDays(30), Clock.fixed(t, ZoneOffset.UTC));
    assertThat(ca.certificate().getNotBefore().toInstant()).isEqualTo(t.minus(Duration.ofMinutes(5)));
    assertThat(ca.certificate().getNotAfter().toInstant()).isEqualTo(t.plus(Duration.ofDays(30)));
    assertThat(ca.certificate().getBasicConstraints()).isZero();
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
}
