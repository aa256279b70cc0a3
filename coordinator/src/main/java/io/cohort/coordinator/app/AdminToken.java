package io.cohort.coordinator.app;

import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;

/**
 * The bootstrap admin token. On the first start (no token stored yet) the coordinator creates an
 * admin token named {@code bootstrap-admin}, prints it once on standard output (not through the
 * logger, and never again), and, unless {@code cohort.admin-token-file=false}, writes it to
 * {@code <data-dir>/admin.token} with mode 0600 for the local {@code cohort} CLI and
 * {@code cohort simulate}. A data directory from before stored tokens keeps its {@code admin.token}:
 * the file's token is adopted as {@code bootstrap-admin} without being printed.
 */
@ApplicationScoped
public class AdminToken {
  private static final Logger LOG = Logger.getLogger(AdminToken.class.getName());
  public static final String FILE_NAME = "admin.token";
  public static final String BOOTSTRAP_NAME = "bootstrap-admin";

  @Inject CoordinatorConfig config;
  @Inject TokenStore tokens;

  Path file() {
    return Path.of(config.dataDir()).resolve(FILE_NAME);
  }

  /** Creates the first admin token when none is stored; does nothing afterwards. */
  public void ensure() {
    ensureFor(System.out);
  }

  /** As {@link #ensure()}, printing to {@code console}; visible for tests. */
  public void ensureFor(PrintStream console) {
    if (!tokens.isEmpty()) {
      return;
    }
    Path f = file();
    try {
      if (Files.isRegularFile(f)) {
        TokenStore.Created adopted = tokens.adopt(Role.ADMIN, BOOTSTRAP_NAME, "system",
            Files.readString(f, StandardCharsets.US_ASCII));
        LOG.info(() -> "adopted the existing admin token in " + f.toAbsolutePath() + " as " + adopted.token().tokenId());
        return;
      }
      TokenStore.Created created = tokens.create(Role.ADMIN, BOOTSTRAP_NAME, "system");
      if (config.adminTokenFile()) {
        Files.createDirectories(f.toAbsolutePath().getParent());
        Path tmp = f.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, created.secret() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      console.println("""
          ==========================================================================
          First start: created the admin token %s (%s). It is shown only now:

              %s

          %s
          Create further tokens with: cohort token create --role admin|auditor --name NAME
          =========================================================================="""
          .formatted(BOOTSTRAP_NAME, created.token().tokenId(), created.secret(),
              config.adminTokenFile() ? "It is also in " + f.toAbsolutePath() + " (mode 0600) for the local cohort CLI."
                  : "No copy was written (cohort.admin-token-file=false): store it now."));
      console.flush();
      LOG.info(() -> "created the bootstrap admin token " + created.token().tokenId());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create or read the admin token file " + f, e);
    }
  }
}
