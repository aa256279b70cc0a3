package io.cohort.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.ledger.PrivacyLedger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 finding #8: a node's data directory is created 0700 and its ledgers 0600, whatever
 * the process umask (tests usually run with 022, which would give 0755 and 0644).
 */
class OwnerOnlyTest {
  @TempDir Path dir;

  @BeforeEach
  void posixOnly() {
    boolean posix = OwnerOnly.posix(dir);
    if (!posix) {
      System.out.println("skipping: " + dir.getFileSystem() + " has no POSIX permissions");
    }
    assumeTrue(posix, "file system without POSIX permissions");
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void identityKey_createsItsDirectoryOwnerOnly() throws Exception {
    Path key = dir.resolve("node-data/sub/identity.key");
    IdentityKeyPair.loadOrCreate(key);
    assertThat(mode(key)).isEqualTo("rw-------");
    assertThat(mode(key.getParent())).isEqualTo("rwx------");
    assertThat(mode(key.getParent().getParent())).isEqualTo("rwx------");
  }

  @Test
  void newLedger_isOwnerOnly_inAnOwnerOnlyDirectory() throws Exception {
    IdentityKeyPair key = IdentityKeyPair.generate();
    Path ledger = dir.resolve("ledgers/n1.credit.ledger");
    try (PrivacyLedger l = PrivacyLedger.open(ledger, "credit", key, RdpAccountant.create(), 10, 1e-5)) {
      assertThat(l).isNotNull();
    }
    assertThat(mode(ledger)).isEqualTo("rw-------");
    assertThat(mode(ledger.getParent())).isEqualTo("rwx------");
  }

  @Test
  void restrict_takesGroupAndOtherAway_once() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(OwnerOnly.restrict(f)).isTrue();
    assertThat(mode(f)).isEqualTo("rw-------");
    assertThat(OwnerOnly.restrict(f)).isFalse();
    assertThat(OwnerOnly.restrict(dir.resolve("missing"))).isFalse();
  }
}
