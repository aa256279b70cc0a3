package io.cohort.coordinator.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 #1: online enrolment with an offline CA. The node's request waits (even under a
 * pre-approving token: nothing is signed on the coordinator), the operator exports it by the
 * fingerprint the node's operator read out, the CA signs it on its own machine, and the installed
 * certificate is what the node then fetches; a certificate for another key, node or CA is refused.
 */
class OfflineCaEnrolmentTest {
  @TempDir Path dir;

  @Test
  void requestWaits_isExportedByFingerprint_andTheOfflineSignedCertificateIsInstalled() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:offline-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    Clock clock = Clock.systemUTC();
    FederationCa offline = FederationCa.create("federation", Duration.ofDays(30), clock); // on the CA machine
    Enrolment enrolment = new Enrolment(new PkiStore(ds, new AuditLog(), clock), offline.certificate(), Optional.empty(),
        clock, Duration.ofDays(7));
    assertThat(enrolment.offlineCa()).isTrue();
    String token = enrolment.createToken("ward-a", true, Duration.ofHours(1), "token:admin (t1)");
    CertificationRequest csr = CertificationRequest.create("ward-a", NodeKey.loadOrCreate(dir.resolve("a.key")));
    assertThat(enrolment.submit("ward-a", token, csr.der()).state()).isEqualTo(Enrolment.State.PENDING);
    assertThatThrownBy(() -> enrolment.approve("ward-a", csr.fingerprint(), "token:admin (t1)"))
        .isInstanceOf(DomainException.class).hasMessageContaining("the federation CA is offline")
        .hasMessageContaining("cohort node csr ward-a");
    assertThatThrownBy(() -> enrolment.csr("ward-a", "ab".repeat(32))).isInstanceOf(DomainException.class)
        .hasMessageContaining("no pending certificate request");

    // The operator carries the request to the CA machine; the CA signs it there.
    CertificationRequest carried = CertificationRequest.parse(Pem.decodeAll(enrolment.csr("ward-a", csr.fingerprint()),
        "CERTIFICATE REQUEST").get(0));
    var cert = offline.issueNode(carried, "ward-a", Duration.ofDays(7));

    FederationCa rogue = FederationCa.create("federation", Duration.ofDays(30), clock);
    assertThatThrownBy(() -> enrolment.install("ward-a", Pem.certificates(List.of(rogue.issueNode(carried, "ward-a",
        Duration.ofDays(7)))), "token:admin (t1)")).isInstanceOf(DomainException.class)
        .hasMessageContaining("not signed by this federation's CA");
    CertificationRequest other = CertificationRequest.create("ward-a", NodeKey.loadOrCreate(dir.resolve("b.key")));
    assertThatThrownBy(() -> enrolment.install("ward-a", Pem.certificates(List.of(offline.issueNode(other, "ward-a",
        Duration.ofDays(7)))), "token:admin (t1)")).isInstanceOf(DomainException.class)
        .hasMessageContaining("for the key this certificate certifies");
    assertThatThrownBy(() -> enrolment.install("ward-b", Pem.certificates(List.of(cert)), "token:admin (t1)"))
        .isInstanceOf(DomainException.class).hasMessageContaining("names node 'ward-a'");

    assertThat(enrolment.install("ward-a", Pem.certificates(List.of(cert)), "token:admin (t1)").state())
        .isEqualTo(Enrolment.State.ISSUED);
    Enrolment.Result fetched = enrolment.fetch("ward-a", csr.fingerprint(), token);
    assertThat(fetched.state()).isEqualTo(Enrolment.State.ISSUED);
    assertThat(Pem.decodeAll(fetched.chainPem(), "CERTIFICATE")).hasSize(2);
    assertThat(Pem.certificate(Pem.decodeAll(fetched.chainPem(), "CERTIFICATE").get(0), "leaf").getSerialNumber())
        .isEqualTo(cert.getSerialNumber());
  }
}
