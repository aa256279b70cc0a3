package io.cohort.coordinator.app;

import io.cohort.crypto.Digests;
import io.cohort.crypto.SecureTokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.logging.Logger;

/**
 * The bootstrap admin credential: a random bearer token kept in {@code <data-dir>/admin.token}
 * with owner-only permissions, so that whoever can read the coordinator's data directory (the
 * operator on that host, and the local {@code cohort} CLI) can administer it. The token itself is
 * never logged. Named, role-scoped tokens stored hashed replace this in the operations work.
 */
@ApplicationScoped
public class AdminToken {
  private static final Logger LOG = Logger.getLogger(AdminToken.class.getName());
  public static final String FILE_NAME = "admin.token";

  @Inject CoordinatorConfig config;
  private volatile byte[] tokenHash;

  Path file() {
    return Path.of(config.dataDir()).resolve(FILE_NAME);
  }

  /** Creates the token file on first start; loads it otherwise. */
  public void ensure() {
    Path f = file();
    try {
      Files.createDirectories(f.toAbsolutePath().getParent());
      if (!Files.exists(f)) {
        try {
          Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(f, SecureTokens.token(32) + "\n", StandardCharsets.US_ASCII);
          LOG.info(() -> "created the admin token in " + f.toAbsolutePath() + " (readable by this user only)");
        } catch (FileAlreadyExistsException raced) {
          // another start created it first
        }
      }
      tokenHash = Digests.sha256(Files.readString(f, StandardCharsets.US_ASCII).strip().getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create or read the admin token file " + f, e);
    }
  }

  /** Constant-time check of a presented bearer token. */
  public boolean matches(String presented) {
    byte[] expected = tokenHash;
    if (expected == null || presented == null) {
      return false;
    }
    return MessageDigest.isEqual(expected, Digests.sha256(presented.strip().getBytes(StandardCharsets.US_ASCII)));
  }
}
