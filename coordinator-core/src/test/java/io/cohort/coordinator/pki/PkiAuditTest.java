package io.cohort.coordinator.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.store.JobStore;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #7: enrolment tokens, certificate requests, approvals, issuance and revocation were not
 * audited although the README says every admin action is. Each now leaves an entry naming who did
 * it, in the same transaction, and never the token secret.
 */
class PkiAuditTest {
  private static final String ADMIN = "token:bootstrap-admin (tok-1)";
  @TempDir Path dir;

  @Test
  void everyPkiActionIsAudited_withItsActor_andNoTokenSecret() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db/coordinator") + ";DB_CLOSE_ON_EXIT=FALSE");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    AuditLog audit = new AuditLog(dir.resolve("audit.head"));
    Clock clock = Clock.systemUTC();
    PkiStore store = new PkiStore(ds, audit, clock);
    Enrolment enrolment = new Enrolment(store, FederationCa.create("test federation", Duration.ofDays(30), clock),
        clock, Duration.ofDays(7));
    Revocations revocations = new Revocations(store, clock);

    String autoToken = enrolment.createToken("ward-a", true, Duration.ofHours(1), ADMIN);
    CertificationRequest csrA = CertificationRequest.create("ward-a", NodeKey.loadOrCreate(dir.resolve("a.key")));
    assertThat(enrolment.submit("ward-a", autoToken, csrA.der()).state()).isEqualTo(Enrolment.State.ISSUED);

    String manualToken = enrolment.createToken("ward-b", false, Duration.ofHours(1), ADMIN);
    CertificationRequest csrB = CertificationRequest.create("ward-b", NodeKey.loadOrCreate(dir.resolve("b.key")));
    assertThat(enrolment.submit("ward-b", manualToken, csrB.der()).state()).isEqualTo(Enrolment.State.PENDING);
    assertThat(enrolment.approve("ward-b", csrB.fingerprint(), ADMIN).state()).isEqualTo(Enrolment.State.ISSUED);
    revocations.revoke("ward-b", ADMIN);

    JobStore jobs = new JobStore(ds, audit, clock);
    List<AuditEntry> entries = jobs.auditEntries(0, 100, null, null);
    assertThat(entries).extracting(e -> e.action() + " " + e.nodeId() + " by " + e.actor()).containsExactly(
        "pki.token_created ward-a by " + ADMIN,
        "pki.request_submitted ward-a by node:ward-a",
        "pki.request_approved ward-a by system",
        "pki.certificate_issued ward-a by system",
        "pki.token_created ward-b by " + ADMIN,
        "pki.request_submitted ward-b by node:ward-b",
        "pki.request_approved ward-b by " + ADMIN,
        "pki.certificate_issued ward-b by system",
        "node.revoked ward-b by " + ADMIN);
    assertThat(entries.get(1).detail()).contains(csrA.fingerprint());
    assertThat(entries.get(3).detail()).contains("certificate serial");
    for (AuditEntry e : entries) {
      for (String token : List.of(autoToken, manualToken)) {
        assertThat(e.detail()).as("entry %d names no token secret", e.seq())
            .doesNotContain(token.substring(0, token.indexOf('.')));
      }
    }
    assertThat(jobs.verifyAudit().ok()).as("the PKI entries are part of the one chain").isTrue();
  }
}
