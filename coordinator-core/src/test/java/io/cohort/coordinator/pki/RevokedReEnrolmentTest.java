package io.cohort.coordinator.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #9: after a revocation, enrolling again with the same key and the spent token returned
 * the certificate issued under that token (revoked), and {@code cohort-node enroll} printed
 * {@code enrolled}. Now the request is refused, naming the revocation and what to do.
 */
class RevokedReEnrolmentTest {
  @TempDir Path dir;

  @Test
  void aSpentTokenNoLongerYieldsARevokedCertificate() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db/coordinator") + ";DB_CLOSE_ON_EXIT=FALSE");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    Clock clock = Clock.systemUTC();
    PkiStore store = new PkiStore(ds, new AuditLog(), clock);
    Enrolment enrolment = new Enrolment(store, FederationCa.create("test federation", Duration.ofDays(30), clock),
        clock, Duration.ofDays(7));
    String token = enrolment.createToken("ward-a", true, Duration.ofHours(1), "token:admin (tok-1)");
    CertificationRequest csr = CertificationRequest.create("ward-a", NodeKey.loadOrCreate(dir.resolve("a.key")));
    assertThat(enrolment.submit("ward-a", token, csr.der()).state()).isEqualTo(Enrolment.State.ISSUED);
    assertThat(enrolment.submit("ward-a", token, csr.der()).state())
        .as("asking again before any revocation is idempotent").isEqualTo(Enrolment.State.ISSUED);

    new Revocations(store, clock).revoke("ward-a", "token:admin (tok-1)");
    assertThatThrownBy(() -> enrolment.submit("ward-a", token, csr.der())).isInstanceOf(DomainException.class)
        .hasMessageContaining("was revoked at").hasMessageContaining("ask the administrator for a new token");
    assertThatThrownBy(() -> enrolment.fetch("ward-a", csr.fingerprint(), token))
        .isInstanceOf(DomainException.class).hasMessageContaining("was revoked at");
  }
}
