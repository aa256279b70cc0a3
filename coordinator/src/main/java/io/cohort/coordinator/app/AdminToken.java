package io.cohort.coordinator.app;

import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import io.cohort.crypto.keys.OwnerOnly;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The bootstrap admin token. On the first start (no token stored yet) the coordinator creates an
 * admin token named {@code bootstrap-admin} and writes it to {@code <data-dir>/admin.token},
 * created with mode 0600 before the secret is written; standard output and the log say where it
 * is and name the token by its id, never the secret (issue 22 finding #8: stdout ends up in
 * journald). With {@code cohort.admin-token-file=false} no bootstrap token is created: the
 * output says how to create one ({@code cohort token create --local}). A data directory from
 * before stored tokens keeps its {@code admin.token}: the file's token is adopted as
 * {@code bootstrap-admin}.
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
    Path f = file().toAbsolutePath();
    try {
      if (Files.isRegularFile(f)) {
        try {
          OwnerOnly.restrict(f);
        } catch (IOException e) {
          LOG.warning(() -> "cannot restrict " + f + " to its owner: " + e);
        }
        TokenStore.Created adopted = tokens.adopt(Role.ADMIN, BOOTSTRAP_NAME, "system",
            Files.readString(f, StandardCharsets.US_ASCII));
        LOG.info(() -> "adopted the existing admin token in " + f + " as " + adopted.token().tokenId());
        return;
      }
      if (!config.adminTokenFile()) {
        console.println("No admin token exists and cohort.admin-token-file=false, so none was created. Create one"
            + " on this host with: cohort token create --local --role admin --data-dir " + f.getParent()
            + " (with the coordinator stopped), or start once with cohort.admin-token-file=true.");
        console.flush();
        return;
      }
      OwnerOnly.createDirectories(f.getParent());
      Path tmp = f.resolveSibling(FILE_NAME + ".tmp");
      Files.deleteIfExists(tmp);
      OwnerOnly.createFile(tmp); // 0600 before the secret is in it
      TokenStore.Created created = tokens.create(Role.ADMIN, BOOTSTRAP_NAME, "system");
      Files.writeString(tmp, created.secret() + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      String where = "First start: created the admin token " + BOOTSTRAP_NAME + " (" + created.token().tokenId()
          + ") in " + f + (OwnerOnly.posix(f) ? " (mode 0600)" : "") + "; the local cohort CLI reads it from there."
          + " Create further tokens with: cohort token create --role admin|auditor --name NAME";
      console.println(where);
      console.flush();
      LOG.info(() -> "created the bootstrap admin token " + created.token().tokenId() + " in " + f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create or read the admin token file " + f, e);
    }
  }
}
