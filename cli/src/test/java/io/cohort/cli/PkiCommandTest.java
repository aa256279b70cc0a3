package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline PKI commands as an administrator runs them (no coordinator needed). */
class PkiCommandTest {
  @TempDir Path dir;

  private static String mode(Path f) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
  }

  @Test
  void init_createsCaKeyOwnerOnly_andRefusesASecondCaUnlessIfMissing() throws Exception {
    Path data = dir.resolve("data");
    assertThat(CohortCli.run("pki", "init", "--data-dir", data.toString(), "--server-name", "coord.example.org")).isZero();
    assertThat(mode(data.resolve("pki/ca.key"))).isEqualTo("rw-------");
    assertThat(mode(data.resolve("pki/coordinator.p12"))).isEqualTo("rw-------");
    assertThat(CohortCli.run("pki", "init", "--data-dir", data.toString())).isEqualTo(CliException.FAILED);
    assertThat(CohortCli.run("pki", "init", "--if-missing", "--data-dir", data.toString())).isZero();
  }

  @Test
  void issue_fromANodesRequest_writesAKitWithoutAnyPrivateKey() throws Exception {
    Path data = dir.resolve("data");
    CohortCli.run("pki", "init", "--data-dir", data.toString());
    NodeKey key = NodeKey.loadOrCreate(dir.resolve("site/site-a.identity.key"));
    Path csr = dir.resolve("site-a.csr");
    Files.writeString(csr, CertificationRequest.create("site-a", key).toPem());
    Path kit = dir.resolve("kit");
    assertThat(CohortCli.run("pki", "issue", "--data-dir", data.toString(), "--node", "site-a", "--csr", csr.toString(),
        "--out", kit.toString())).isZero();
    assertThat(Pem.readCertificates(kit.resolve("site-a.crt")).get(0).getSubjectX500Principal().getName())
        .isEqualTo("CN=site-a");
    assertThat(kit.resolve("ca.crt")).exists();
    try (var files = Files.list(kit)) {
      for (Path f : files.toList()) {
        assertThat(Files.readString(f, StandardCharsets.US_ASCII)).doesNotContain("PRIVATE KEY");
        assertThat(f.getFileName().toString()).doesNotEndWith(".key");
      }
    }
    // A request for another node id is refused.
    assertThat(CohortCli.run("pki", "issue", "--data-dir", data.toString(), "--node", "site-b", "--csr", csr.toString(),
        "--out", dir.resolve("kit-b").toString())).isEqualTo(CliException.FAILED);
  }

  @Test
  void issue_withGeneratedKey_putsTheKeyInTheKitOwnerOnly() throws Exception {
    Path data = dir.resolve("data");
    CohortCli.run("pki", "init", "--data-dir", data.toString());
    Path kit = dir.resolve("kit");
    assertThat(CohortCli.run("pki", "issue", "--data-dir", data.toString(), "--node", "site-c", "--generate-key",
        "--out", kit.toString())).isZero();
    assertThat(mode(kit.resolve("site-c.identity.key"))).isEqualTo("rw-------");
  }

  @Test
  void serve_withoutPki_saysHowToCreateIt() {
    assertThat(CohortCli.run("serve", "--data-dir", dir.resolve("empty").toString())).isEqualTo(CliException.USAGE);
  }
}
