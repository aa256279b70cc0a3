package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.provenance.ProvenanceKey;
import io.cohort.coordinator.store.JobStore;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.witness.AuditHeadWitness;
import io.cohort.crypto.witness.SignedAuditHead;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #7: cutting the newest audit entries and rewriting {@code audit.head} to match passes
 * {@code cohort audit verify}; with {@code --witness} (a node's witnessed head) it fails naming the
 * missing entry. Runs the real command in-process against the real migrations on H2.
 */
class AuditWitnessVerifyTest {
  @TempDir Path dir;
  private JdbcDataSource ds;
  private ProvenanceKey key;
  private Path witnessFile;

  @BeforeEach
  void setUp() throws Exception {
    ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db/coordinator") + ";DB_CLOSE_ON_EXIT=FALSE");
    ds.setUser("cohort");
    ds.setPassword("");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    JobStore store = new JobStore(ds, new AuditLog(dir.resolve("audit.head")), Clock.systemUTC());
    for (int i = 1; i <= 8; i++) {
      store.audit(AuditEvent.system("test.event", null, null, null, "event " + i));
    }
    key = ProvenanceKey.loadOrCreate(dir);
    // What a node's heartbeat thread does with the head it receives.
    AuditLog.Head head = store.auditLog().head().orElseThrow();
    witnessFile = dir.resolve("node1.audit-head");
    AuditHeadWitness.open(witnessFile).observe(key.signAuditHead(head.seq(), head.hash()), Instant.now());
  }

  private record Run(int exit, String out) {}

  private Run verify(String... extra) {
    List<String> args = new ArrayList<>(List.of("audit", "verify", "--local", "--data-dir", dir.toString()));
    args.addAll(List.of(extra));
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

  /** The attack: delete the newest {@code n} entries and rewrite audit.head to the new last one. */
  private void cutTailAndRewriteHead(int n) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM audit_log WHERE seq > " + (8 - n));
    }
    AuditEntry last;
    try (Connection c = ds.getConnection()) {
      last = new AuditLog().list(c, 8 - n - 1, 1, null, null).get(0);
    }
    Files.writeString(dir.resolve("audit.head"), last.seq() + " " + last.hash() + "\n");
  }

  @Test
  void anUntouchedLog_holdsTheWitnessedHead() {
    Run run = verify("--witness", witnessFile.toString(), "--fingerprint", key.fingerprint());
    assertThat(run.exit()).as("output: %s", run.out()).isZero();
    assertThat(run.out()).contains("audit log OK: 8 entries").contains("witnessed head entry 8")
        .contains("pinned");
  }

  @Test
  void cuttingTheTailAndRewritingTheHead_passesAlone_butFailsAgainstTheWitness() throws Exception {
    cutTailAndRewriteHead(3);
    Run alone = verify();
    assertThat(alone.exit()).as("without the witness the cut is invisible (the bug); output: %s", alone.out())
        .isZero();
    assertThat(alone.out()).contains("audit log OK: 5 entries");
    Run witnessed = verify("--witness", witnessFile.toString());
    assertThat(witnessed.exit()).as("output: %s", witnessed.out()).isEqualTo(6);
    assertThat(witnessed.out()).contains("audit log BROKEN against the witness")
        .contains("the log ends at entry 5 but the node witnessed entry 8").contains("newest entries were cut");
  }

  @Test
  void aRewrittenEntryAtTheWitnessedSeq_fails() throws Exception {
    cutTailAndRewriteHead(1);
    // The forger appends a different entry 8 through the normal path, so the chain verifies again.
    JobStore forged = new JobStore(ds, new AuditLog(dir.resolve("audit.head")), Clock.systemUTC());
    forged.audit(AuditEvent.system("test.event", null, null, null, "something else"));
    Run run = verify("--witness", witnessFile.toString());
    assertThat(run.exit()).as("output: %s", run.out()).isEqualTo(6);
    assertThat(run.out()).contains("audit log OK: 8 entries").contains("the log's entry 8 has hash")
        .contains("was rewritten");
  }

  @Test
  void aWitnessSignedByAnotherKeyThanThePinnedOne_orAlteredAfterSigning_fails() throws Exception {
    Run other = verify("--witness", witnessFile.toString(), "--fingerprint", "sha256:" + "ab".repeat(32));
    assertThat(other.exit()).as("output: %s", other.out()).isEqualTo(6);
    assertThat(other.out()).contains("not by the pinned coordinator key");
    // A witness file edited to name an older head fails its signature.
    SignedAuditHead fake = SignedAuditHead.sign(3, "cd".repeat(32), IdentityKeyPair.generate());
    String text = Files.readString(witnessFile).replaceAll("seq=8 hash=[0-9a-f]{64}", "seq=3 hash=" + fake.entryHash());
    Files.writeString(witnessFile, text);
    Run altered = verify("--witness", witnessFile.toString());
    assertThat(altered.exit()).as("output: %s", altered.out()).isEqualTo(6);
    assertThat(altered.out()).contains("signature does not verify");
    Run missing = verify("--witness", dir.resolve("nope.audit-head").toString());
    assertThat(missing.exit()).isEqualTo(2);
  }
}
