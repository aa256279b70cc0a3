package io.cohort.cli;

import io.cohort.coordinator.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Option;

/**
 * Direct access to the coordinator's database, for work that must not depend on the API: creating
 * a token when none is at hand, and verifying the audit log independently of the coordinator.
 * H2 (the default) is the file database in {@code --data-dir}, which a running coordinator holds
 * locked; PostgreSQL is reached with {@code --db-url}.
 */
final class LocalDatabase {
  @Option(names = "--db-url", description = "JDBC URL of a PostgreSQL database (default: the embedded H2 database in"
      + " --data-dir; $COHORT_DB_URL).", defaultValue = "${COHORT_DB_URL:-}")
  String url;

  @Option(names = "--db-user", defaultValue = "${COHORT_DB_USER:-cohort}",
      description = "Database user (default: $COHORT_DB_USER or ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--db-password", defaultValue = "${COHORT_DB_PASSWORD:-}",
      description = "Database password (default: $COHORT_DB_PASSWORD).")
  String password;

  boolean postgres() {
    return url != null && !url.isBlank();
  }

  DataSource open(Path dataDir, boolean migrate) throws CliException {
    DataSource ds;
    if (postgres()) {
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new CliException(CliException.USAGE, "--db-url must be a jdbc:postgresql: URL, got '" + url + "'");
      }
      PGSimpleDataSource pg = new PGSimpleDataSource();
      pg.setURL(url);
      if (!url.contains("user=")) {
        pg.setUser(user);
        pg.setPassword(password);
      }
      ds = pg;
    } else {
      Path db = dataDir.resolve("db");
      if (!migrate && !Files.isDirectory(db)) {
        throw new CliException(CliException.USAGE, "no coordinator database in " + dataDir.toAbsolutePath()
            + " (expected " + db + "); pass --data-dir or --db-url");
      }
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:file:" + db.toAbsolutePath().resolve("coordinator") + ";DB_CLOSE_ON_EXIT=FALSE");
      h2.setUser("cohort");
      h2.setPassword("");
      ds = h2;
    }
    try (var c = ds.getConnection()) {
      c.isValid(5);
    } catch (java.sql.SQLException e) {
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new CliException(CliException.UNREACHABLE, "cannot open the database" + (postgres() ? " at " + url
          : " in " + dataDir.toAbsolutePath() + (why.contains("already in use") || why.contains("locked")
              ? ": a running coordinator holds it; use the API instead, or stop the coordinator" : "")) + ": " + why);
    }
    if (migrate) {
      Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    }
    return ds;
  }

  /** The audit log as the coordinator keeps it: anchored in the data directory's audit.head when there is one. */
  AuditLog auditLog(Path dataDir) {
    Path anchor = dataDir.resolve("audit.head");
    return postgres() && !Files.isRegularFile(anchor) ? new AuditLog() : new AuditLog(anchor);
  }
}
