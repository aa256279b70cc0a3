package io.cohort.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.audit.SignedHeads;
import io.cohort.coordinator.provenance.ProvenanceKey;
import io.cohort.crypto.witness.SignedAuditHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #7, coordinator side: a broken chain stops the start unless allowed, and the allowed
 * start is audited; a sound chain's head is adopted and signed for the nodes with the provenance key.
 */
class AuditChainCheckTest {
  @TempDir Path dir;
  private DataSource ds;

  @BeforeEach
  void setUp() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:file:" + dir.resolve("db/coordinator") + ";DB_CLOSE_ON_EXIT=FALSE");
    ds = h2;
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    JobStore store = new JobStore(ds, new AuditLog(dir.resolve("audit.head")), Clock.systemUTC());
    for (int i = 1; i <= 5; i++) {
      store.audit(AuditEvent.system("test.event", null, null, null, "event " + i));
    }
  }

  /** A coordinator start: a fresh log object over the same database and anchor file. */
  private JobStore restart() {
    return new JobStore(ds, new AuditLog(dir.resolve("audit.head")), Clock.systemUTC());
  }

  private void sql(String statement) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate(statement);
    }
  }

  @Test
  void aSoundChain_startsAndItsHeadIsAdoptedAndSignedWithTheProvenanceKey() throws Exception {
    JobStore store = restart();
    assertThat(AuditChainCheck.atStartup(store, false)).isEmpty();
    AuditLog.Head head = store.auditLog().head().orElseThrow();
    assertThat(head.seq()).isEqualTo(5);
    ProvenanceKey key = ProvenanceKey.loadOrCreate(dir);
    SignedHeads heads = new SignedHeads(store.auditLog(), key::signAuditHead);
    SignedAuditHead signed = heads.current().orElseThrow();
    assertThat(signed.seq()).isEqualTo(5);
    assertThat(signed.entryHash()).isEqualTo(head.hash());
    assertThat(signed.verifies()).isTrue();
    assertThat(signed.signerFingerprint()).as("the key verify-export pins").isEqualTo(key.fingerprint());
    assertThat(heads.current().orElseThrow()).as("signed once per head").isSameAs(signed);
    store.audit(AuditEvent.system("test.event", null, null, null, "event 6"));
    assertThat(heads.current().orElseThrow().seq()).as("follows the log").isEqualTo(6);
  }

  @Test
  void anEmptyLog_startsWithTheGenesisHead() throws Exception {
    sql("DELETE FROM audit_log");
    Files.delete(dir.resolve("audit.head"));
    JobStore store = restart();
    assertThat(AuditChainCheck.atStartup(store, false)).isEmpty();
    assertThat(store.auditLog().head()).hasValue(new AuditLog.Head(0, AuditEntry.GENESIS));
    assertThat(restart().verifyAudit().ok()).as("the genesis anchor verifies").isTrue();
  }

  // Before: the coordinator restarted on a broken chain without a warning.
  @Test
  void aBrokenChain_stopsTheStart_unlessAllowed_andTheAllowedStartIsAudited() throws Exception {
    sql("DELETE FROM audit_log WHERE seq = 5"); // the tail cut, audit.head left as it was
    assertThatThrownBy(() -> AuditChainCheck.atStartup(restart(), false))
        .isInstanceOf(AuditChainCheck.BrokenChainException.class)
        .hasMessageContaining("the audit log is broken at entry 5")
        .hasMessageContaining("refuses to start")
        .hasMessageContaining("cohort.audit.allow-broken-chain=true");
    JobStore store = restart();
    assertThat(store.auditEntries(0, 100, null, null)).as("the refused start appended nothing").hasSize(4);
    assertThat(AuditChainCheck.atStartup(store, true)).get().asString()
        .contains("STARTING ON A BROKEN AUDIT LOG").contains("broken at entry 5");
    List<AuditEntry> entries = store.auditEntries(0, 100, null, null);
    AuditEntry last = entries.get(entries.size() - 1);
    assertThat(last.action()).isEqualTo(AuditChainCheck.ACCEPTED_ACTION);
    assertThat(last.actor()).isEqualTo(AuditEvent.SYSTEM);
    assertThat(last.detail()).contains("cohort.audit.allow-broken-chain=true").contains("broken at entry 5")
        .contains("no longer in the log");
  }
}
