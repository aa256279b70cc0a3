package io.cohort.coordinator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.auth.TokenStore;
import io.cohort.crypto.keys.OwnerOnly;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 finding #8: the bootstrap admin token is written only to its 0600 file, and what the
 * coordinator prints says where it is, never the token; the data directory's private files
 * ({@code audit.head}, the H2 files, the token) are owner-only.
 */
class AdminTokenFilesTest {
  @TempDir Path tmp;
  private Path dataDir;
  private TokenStore tokens;

  @BeforeEach
  void setUp() {
    dataDir = tmp.resolve("cohort-data");
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:admin-token-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    tokens = new TokenStore(ds, new AuditLog(tmp.resolve("audit.head")), Clock.systemUTC());
  }

  private AdminToken adminToken(boolean writeFile) {
    AdminToken t = new AdminToken();
    t.tokens = tokens;
    t.config = (CoordinatorConfig) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {CoordinatorConfig.class}, (proxy, method, args) -> switch (method.getName()) {
          case "dataDir" -> dataDir.toString();
          case "adminTokenFile" -> writeFile;
          default -> throw new UnsupportedOperationException(method.getName());
        });
    return t;
  }

  @Test
  void bootstrapToken_goesOnlyToItsOwnerOnlyFile_andTheOutputSaysWhere() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    adminToken(true).ensureFor(new PrintStream(out, true, StandardCharsets.UTF_8));

    Path file = dataDir.resolve("admin.token").toAbsolutePath();
    String secret = Files.readString(file, StandardCharsets.US_ASCII).strip();
    assertThat(secret).startsWith("cht_");
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed).as("stdout names the file").contains(file.toString()).contains("bootstrap-admin")
        .as("but never the token").doesNotContain(secret).doesNotContain(secret.substring(4, 20));
    assertThat(tokens.authenticate(secret)).as("the file's token works").isPresent();
    assumePosix(file);
    assertThat(mode(file)).isEqualTo("rw-------");
    assertThat(mode(dataDir)).as("a data directory the coordinator creates").isEqualTo("rwx------");
    assertThat(dataDir.resolve("admin.token.tmp")).doesNotExist();
  }

  @Test
  void withoutATokenFile_noTokenIsCreatedOrPrinted() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    adminToken(false).ensureFor(new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(tokens.isEmpty()).isTrue();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("cohort token create --local").doesNotContain("cht_");
  }

  @Test
  void dataDirectory_h2FilesAuditHeadAndToken_areRestrictedAtStart() throws Exception {
    assumePosix(tmp);
    Path db = Files.createDirectories(dataDir.resolve("db"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path h2 = Files.writeString(db.resolve("coordinator.mv.db"), "x");
    Path head = Files.writeString(dataDir.resolve("audit.head"), "1 ab\n");
    Files.setPosixFilePermissions(h2, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(head, PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(DataDirectory.restrict(dataDir)).hasSize(4);
    assertThat(mode(dataDir)).isEqualTo("rwx------");
    assertThat(mode(db)).isEqualTo("rwx------");
    assertThat(mode(h2)).isEqualTo("rw-------");
    assertThat(mode(head)).isEqualTo("rw-------");
    assertThat(DataDirectory.restrict(dataDir)).as("idempotent").isEmpty();
  }

  @Test
  void auditHead_isCreatedOwnerOnly() throws Exception {
    assumePosix(tmp);
    Path head = tmp.resolve("anchor/audit.head");
    Files.createDirectories(head.getParent());
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:audit-head-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    new TokenStore(ds, new AuditLog(head), Clock.systemUTC()).create(io.cohort.coordinator.auth.Role.AUDITOR, "a",
        "test");
    assertThat(head).exists();
    assertThat(mode(head)).isEqualTo("rw-------");
  }

  private static void assumePosix(Path p) {
    boolean posix = OwnerOnly.posix(p);
    if (!posix) {
      System.out.println("skipping the file mode checks: " + p.getFileSystem() + " has no POSIX permissions");
    }
    assumeTrue(posix, "file system without POSIX permissions");
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
