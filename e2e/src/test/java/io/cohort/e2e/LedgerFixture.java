package io.cohort.e2e;

import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.store.LedgerRow;
import io.cohort.coordinator.store.PrivacyStore;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Writes to a stopped coordinator's H2 database, in a child JVM on the packaged coordinator's own
 * classpath (its jars, not this module's): privacy-ledger rows through the coordinator's public
 * {@link PrivacyStore#record} (which audits each receipt in the same transaction, exactly as the
 * upload path will), and, separately, one edited audit row to tamper with the chain.
 *
 * <p>Nodes do not upload ledger entries on this branch yet (DP is not in training here), so the
 * dashboard test seeds them this way; once uploads land, the test should train with DP instead.
 */
final class LedgerFixture {
  /** One node's ledger for one dataset: cumulative ε after each round's entry. */
  record Ledger(String nodeId, String dataset, double budget, double delta, double[] epsilonAfter) {}

  private LedgerFixture() {}

  /** Child-JVM entry point: {@code seed DATA_DIR JOB_ID START_EPOCH_S NODE DATASET BUDGET DELTA EPS,EPS,...} or {@code tamper DATA_DIR SEQ}. */
  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[1]);
    DataSource ds = h2(dataDir);
    if (args[0].equals("seed")) {
      PrivacyStore store = new PrivacyStore(ds, new AuditLog(dataDir.resolve("audit.head")), Clock.systemUTC());
      String jobId = args[2];
      Instant start = Instant.ofEpochSecond(Long.parseLong(args[3]));
      String[] eps = args[8].split(",");
      for (int i = 0; i < eps.length; i++) {
        double budget = Double.parseDouble(args[6]);
        store.record(new LedgerRow(args[4], args[5], i + 1, jobId, i + 1, Double.parseDouble(eps[i]),
            Double.parseDouble(args[7]), budget, sha256Hex(args[4] + "/" + args[5] + "/" + (i + 1)),
            start.plus(Duration.ofMinutes(3L * i))));
      }
    } else if (args[0].equals("tamper")) {
      try (Connection c = ds.getConnection();
          PreparedStatement ps = c.prepareStatement("UPDATE audit_log SET detail = detail || ' (edited)' WHERE seq = ?")) {
        ps.setLong(1, Long.parseLong(args[2]));
        if (ps.executeUpdate() != 1) {
          throw new IllegalStateException("no audit row " + args[2]);
        }
      }
    } else {
      throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  private static DataSource h2(Path dataDir) throws ReflectiveOperationException {
    // The H2 driver is on the coordinator's classpath, not on this module's compile classpath.
    Object ds = Class.forName("org.h2.jdbcx.JdbcDataSource").getConstructor().newInstance();
    ds.getClass().getMethod("setURL", String.class).invoke(ds,
        "jdbc:h2:file:" + dataDir.resolve("db/coordinator").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE");
    ds.getClass().getMethod("setUser", String.class).invoke(ds, "cohort");
    ds.getClass().getMethod("setPassword", String.class).invoke(ds, "");
    return (DataSource) ds;
  }

  private static String sha256Hex(String s) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Seeds {@code ledgers} into the stopped coordinator's database. */
  static void seed(Path dataDir, String jobId, Instant start, List<Ledger> ledgers, Path log)
      throws IOException, InterruptedException {
    for (Ledger l : ledgers) {
      StringBuilder eps = new StringBuilder();
      for (double e : l.epsilonAfter()) {
        eps.append(eps.length() == 0 ? "" : ",").append(e);
      }
      run(log, "seed", dataDir.toString(), jobId, Long.toString(start.getEpochSecond()), l.nodeId(), l.dataset(),
          Double.toString(l.budget()), Double.toString(l.delta()), eps.toString());
    }
  }

  /** Edits the detail of audit row {@code seq} directly in the stopped coordinator's database. */
  static void tamper(Path dataDir, long seq, Path log) throws IOException, InterruptedException {
    run(log, "tamper", dataDir.toString(), Long.toString(seq));
  }

  private static void run(Path log, String... args) throws IOException, InterruptedException {
    Path app = E2eEnvironment.coordinatorJar().getParent();
    String cp = String.join(java.io.File.pathSeparator, Path.of(LedgerFixture.class.getProtectionDomain()
        .getCodeSource().getLocation().getPath()).toString(), app.resolve("app/*").toString(),
        app.resolve("lib/main/*").toString());
    List<String> cmd = new ArrayList<>(List.of(E2eEnvironment.java(), "-cp", cp, LedgerFixture.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("LedgerFixture " + args[0] + " did not finish in 60 s; see " + log);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("LedgerFixture " + String.join(" ", args) + " exited " + p.exitValue() + "; see " + log
          + ":\n" + java.nio.file.Files.readString(log));
    }
  }
}
