package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.NodeDecision;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.proto.v1.JobSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Tampering with the audit log directly in the database (editing any field of a row, deleting a
 * row in the middle or at the end) makes {@code cohort audit verify} exit with 6 and name the
 * first bad entry. Runs the real CLI command in-process against the real migrations, on H2 and,
 * when {@code COHORT_TEST_POSTGRES_URL} is set (as {@code .ci/run} does), on PostgreSQL.
 */
class AuditTamperTest {
  @TempDir Path dir;
  private DataSource ds;
  private String pgUrl;

  static Stream<String> databases() {
    String pg = System.getenv("COHORT_TEST_POSTGRES_URL");
    return pg == null || pg.isBlank() ? Stream.of("h2") : Stream.of("h2", "postgresql");
  }

  private void setUp(String db) throws Exception {
    if (db.equals("h2")) {
      JdbcDataSource h2 = new JdbcDataSource();
      // Where the coordinator keeps it, so that `audit verify --local --data-dir` finds it.
      h2.setURL("jdbc:h2:file:" + dir.resolve("db/coordinator") + ";DB_CLOSE_ON_EXIT=FALSE");
      h2.setUser("cohort");
      h2.setPassword("");
      ds = h2;
      Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    } else {
      String schema = "t" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
      String url = System.getenv("COHORT_TEST_POSTGRES_URL");
      pgUrl = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
      PGSimpleDataSource pg = new PGSimpleDataSource();
      pg.setURL(pgUrl);
      ds = pg;
      Flyway.configure().dataSource(ds).schemas(schema).createSchemas(true).locations("classpath:db/migration").load()
          .migrate();
    }
    // A coordinator's worth of history: a token, a job, offers, two rounds, a state change.
    AuditLog audit = new AuditLog(dir.resolve("audit.head"));
    JobStore store = new JobStore(ds, audit, Clock.systemUTC());
    new TokenStore(ds, audit, Clock.systemUTC()).create(Role.AUDITOR, "dpo", "token:bootstrap-admin (tok-1)");
    JobSpec spec = JobFiles.parse(Files.readString(Path.of("../examples/credit/job.yaml")), "job.yaml", "job-abc");
    store.createJob(spec, "token:bootstrap-admin (tok-1)", Instant.now());
    store.upsertNode("bank-a", "0.1", List.of("credit"), Instant.now());
    store.recordDecision(new NodeDecision("job-abc", "bank-a", true, null, Instant.now()));
    store.recordDecision(new NodeDecision("job-abc", "bank-b", false, "credit.csv line 7: bad", Instant.now()));
    store.setState("job-abc", JobState.RUNNING, null, Instant.now());
    for (int r = 1; r <= 2; r++) {
      store.completeRound(new RoundRecord("job-abc", r, 1, List.of("bank-a"), List.of("bank-a"), 10,
          "job-abc/round-" + r, "ab".repeat(32), Instant.now(), Instant.now(), null), Instant.now());
    }
    assertThat(store.verifyAudit().ok()).as("untouched log verifies: %s", store.verifyAudit()).isTrue();
  }

  private record Run(int exit, String out) {}

  private Run verify() {
    List<String> args = new ArrayList<>(List.of("audit", "verify", "--data-dir", dir.toString()));
    args.add(pgUrl == null ? "--local" : "--db-url=" + pgUrl);
    PrintStream was = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      exit = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())))
          .execute(args.toArray(String[]::new));
    } finally {
      System.setOut(was);
    }
    return new Run(exit, buf.toString(StandardCharsets.UTF_8));
  }

  private void sql(String statement) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate(statement)).as("rows changed by: %s", statement).isEqualTo(1);
    }
  }

  private long count() throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT COUNT(*) FROM audit_log")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void untouchedLog_verifies(String db) throws Exception {
    setUp(db);
    Run run = verify();
    assertThat(run.exit()).as("exit code; output: %s", run.out()).isZero();
    assertThat(run.out()).contains("audit log OK: " + count() + " entries");
  }

  @ParameterizedTest
  @MethodSource("databases")
  void editingAnyFieldOfAnEntry_failsNamingThatEntry(String db) throws Exception {
    setUp(db);
    // Every column of entry 5 (the decline, with job, node and reason), one at a time, then restored.
    Map<String, String[]> edits = new java.util.LinkedHashMap<>();
    edits.put("occurred_at", new String[] {"occurred_at = occurred_at + INTERVAL '1' SECOND", null});
    edits.put("actor", new String[] {"actor = 'token:someone-else (tok-2)'", null});
    edits.put("action", new String[] {"action = 'node.accepted'", null});
    edits.put("job_id", new String[] {"job_id = 'job-xyz'", null});
    edits.put("round", new String[] {"round = 1", "round = NULL"});
    edits.put("node_id", new String[] {"node_id = 'bank-c'", null});
    edits.put("detail", new String[] {"detail = 'declined: no reason given'", null});
    edits.put("prev_hash", new String[] {"prev_hash = '" + "0".repeat(64) + "'", null});
    edits.put("hash", new String[] {"hash = '" + "f".repeat(64) + "'", null});
    for (Map.Entry<String, String[]> e : edits.entrySet()) {
      String column = e.getKey();
      Object before;
      try (Connection c = ds.getConnection(); Statement s = c.createStatement();
          var rs = s.executeQuery("SELECT " + column + " FROM audit_log WHERE seq = 5")) {
        rs.next();
        before = rs.getObject(1);
      }
      sql("UPDATE audit_log SET " + e.getValue()[0] + " WHERE seq = 5");
      Run run = verify();
      assertThat(run.exit()).as("exit code after editing %s; output: %s", column, run.out()).isEqualTo(6);
      assertThat(run.out()).as("after editing %s", column).contains("BROKEN at entry 5");
      try (Connection c = ds.getConnection(); var ps = c.prepareStatement(
          "UPDATE audit_log SET " + column + " = ? WHERE seq = 5")) {
        ps.setObject(1, before);
        ps.executeUpdate();
      }
      assertThat(verify().exit()).as("restored %s", column).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void deletingAnEntryInTheMiddle_failsNamingTheMissingEntry(String db) throws Exception {
    setUp(db);
    sql("DELETE FROM audit_log WHERE seq = 3");
    Run run = verify();
    assertThat(run.exit()).as("output: %s", run.out()).isEqualTo(6);
    assertThat(run.out()).contains("BROKEN at entry 3").contains("entry 3 is missing");
  }

  @ParameterizedTest
  @MethodSource("databases")
  void deletingTheNewestEntry_failsAgainstTheAnchoredHead(String db) throws Exception {
    setUp(db);
    long last = count();
    sql("DELETE FROM audit_log WHERE seq = " + last);
    Run run = verify();
    assertThat(run.exit()).as("output: %s", run.out()).isEqualTo(6);
    assertThat(run.out()).contains("BROKEN at entry " + last).contains("no longer in the log");
  }

  @ParameterizedTest
  @MethodSource("databases")
  void rewritingAnEntryAndRehashingTheRest_stillFailsAtTheEdit(String db) throws Exception {
    setUp(db);
    // A forger who recomputes the edited entry's own hash still breaks the next entry's link.
    sql("UPDATE audit_log SET detail = 'declined: nothing to see' WHERE seq = 5");
    String rehashed;
    try (Connection c = ds.getConnection()) {
      var entries = new AuditLog().list(c, 4, 1, null, null);
      var e = entries.get(0);
      rehashed = new AuditEntry(e.seq(), e.occurredAt(), e.actor(), e.action(), e.jobId(),
          e.round(), e.nodeId(), e.detail(), e.prevHash(), null).computeHash();
    }
    sql("UPDATE audit_log SET hash = '" + rehashed + "' WHERE seq = 5");
    Run run = verify();
    assertThat(run.exit()).as("output: %s", run.out()).isEqualTo(6);
    assertThat(run.out()).contains("BROKEN at entry 6").contains("does not link to entry 5");
  }
}
