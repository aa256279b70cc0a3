package io.cohort.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Edits one audit row of a stopped coordinator's H2 database, in a child JVM on the packaged
 * coordinator's own classpath (its jars, not this module's), to tamper with the audit chain.
 * (Ledger entries are no longer seeded: the dashboard test runs a real private job.)
 */
final class LedgerFixture {
  private LedgerFixture() {}

  /** Child-JVM entry point: {@code tamper DATA_DIR SEQ}. */
  public static void main(String[] args) throws Exception {
    if (!args[0].equals("tamper")) {
      throw new IllegalArgumentException("unknown command " + args[0]);
    }
    DataSource ds = h2(Path.of(args[1]));
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("UPDATE audit_log SET detail = detail || ' (edited)' WHERE seq = ?")) {
      ps.setLong(1, Long.parseLong(args[2]));
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("no audit row " + args[2]);
      }
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
