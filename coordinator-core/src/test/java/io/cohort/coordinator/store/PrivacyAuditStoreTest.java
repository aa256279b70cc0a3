package io.cohort.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.audit.AuditLog;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Instant;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code privacy_audits} through the real migrations: newest report per job and node, audited, NaN as no DP. */
class PrivacyAuditStoreTest {
  @TempDir Path dir;
  private JdbcDataSource ds;
  private AuditLog log;
  private PrivacyAuditStore store;

  @BeforeEach
  void setUp() {
    ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    log = new AuditLog();
    store = new PrivacyAuditStore(ds, log, Clock.systemUTC());
  }

  private static PrivacyAuditStore.Row row(String job, String node, int round, double bound, double accounted) {
    return new PrivacyAuditStore.Row(job, node, round, round * 10L, 1000, 500, 300, bound, 1e-5, 0.95, accounted,
        Instant.parse("2026-12-06T19:00:00Z"));
  }

  @Test
  void keepsTheNewestRoundPerJobAndNode_andAuditsEachReceipt() throws Exception {
    assertThat(store.record(row("j1", "a", 1, 0.1, 0.4))).isTrue();
    assertThat(store.record(row("j1", "a", 3, 0.2, 0.9))).isTrue();
    assertThat(store.record(row("j1", "a", 2, 5.0, 0.7))).as("a late report of an earlier round").isFalse();
    assertThat(store.record(row("j1", "b", 3, 5.09, Double.NaN))).isTrue();
    assertThat(store.record(row("j2", "a", 1, 1.0, 2.0))).isTrue();

    assertThat(store.audits("j1")).extracting(PrivacyAuditStore.Row::nodeId, PrivacyAuditStore.Row::round,
        PrivacyAuditStore.Row::epsilonLowerBound).containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", 3, 0.2), org.assertj.core.groups.Tuple.tuple("b", 3, 5.09));
    assertThat(store.audits("j1").get(1).accountedEpsilon()).isNaN();
    assertThat(store.audits(null)).hasSize(3);
    try (Connection c = ds.getConnection()) {
      assertThat(log.list(c, 0, 100, "j1", null)).filteredOn(e -> e.action().equals("privacy.audit_received"))
          .hasSize(3);
      assertThat(log.verify(c).ok()).isTrue();
    }
  }
}
