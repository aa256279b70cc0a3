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
    assertThat(CohortCli.run("pki", "init", "--dev-ca", "--data-dir", data.toString(), "--server-name", "coord.example.org")).isZero();
    assertThat(mode(data.resolve("pki/ca.key"))).isEqualTo("rw-------");
    assertThat(mode(data.resolve("pki/coordinator.p12"))).isEqualTo("rw-------");
    assertThat(CohortCli.run("pki", "init", "--dev-ca", "--data-dir", data.toString())).isEqualTo(CliException.FAILED);
    assertThat(CohortCli.run("pki", "init", "--dev-ca", "--if-missing", "--data-dir", data.toString())).isZero();
  }

  @Test
  void issue_fromANodesRequest_writesAKitWithoutAnyPrivateKey() throws Exception {
    Path data = dir.resolve("data");
    CohortCli.run("pki", "init", "--dev-ca", "--data-dir", data.toString());
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
    CohortCli.run("pki", "init", "--dev-ca", "--data-dir", data.toString());
    Path kit = dir.resolve("kit");
    assertThat(CohortCli.run("pki", "issue", "--data-dir", data.toString(), "--node", "site-c", "--generate-key",
        "--out", kit.toString())).isZero();
    assertThat(mode(kit.resolve("site-c.identity.key"))).isEqualTo("rw-------");
  }

  /**
   * Issue 21 #1, the default: the CA on its own machine (encrypted key), the coordinator's key and
   * request made on the coordinator, signed on the CA machine, installed; a node's request signed
   * only under the fingerprint its operator read out; revocation signed there and installed.
   */
  @Test
  void offlineCa_endToEnd_theCoordinatorNeverHoldsTheCaKey() throws Exception {
    Path ca = dir.resolve("ca-machine/ca");
    Path pass = Files.writeString(Files.createDirectories(dir.resolve("ca-machine")).resolve("passphrase"),
        "correct horse battery staple\n");
    Path data = dir.resolve("coordinator/data");
    assertThat(CohortCli.run("pki", "init", "--data-dir", data.toString())).as("no silent all-in-one CA")
        .isEqualTo(CliException.USAGE);
    assertThat(CohortCli.run("pki", "init", "--ca-dir", ca.toString(), "--passphrase-file", pass.toString())).isZero();
    assertThat(mode(ca.resolve("ca.key"))).isEqualTo("rw-------");
    assertThat(Files.readString(ca.resolve("ca.key"))).contains("BEGIN ENCRYPTED PRIVATE KEY")
        .doesNotContain("BEGIN PRIVATE KEY");

    assertThat(CohortCli.run("pki", "server-request", "--data-dir", data.toString())).isZero();
    Path csr = data.resolve("pki/coordinator.csr");
    Path back = dir.resolve("usb");
    assertThat(CohortCli.run("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", pass.toString(),
        "--server", "--csr", csr.toString(), "--server-name", "coord.example.org", "--out", back.toString())).isZero();
    Path wrong = Files.writeString(dir.resolve("wrong"), "not the passphrase\n");
    assertThat(CohortCli.run("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", wrong.toString(),
        "--server", "--csr", csr.toString(), "--out", dir.resolve("x").toString())).isEqualTo(CliException.FAILED);
    // Issue 21 #5: the same request carries the admin API's ECDSA key; its certificate comes back beside.
    assertThat(Pem.decodeAll(Files.readString(csr), "CERTIFICATE REQUEST")).hasSize(2);
    assertThat(mode(data.resolve("pki/https.key"))).isEqualTo("rw-------");
    var https = Pem.readCertificates(back.resolve("https.crt")).get(0);
    assertThat(https.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(https.getSubjectAlternativeNames().toString()).contains("coord.example.org").contains("127.0.0.1");
    assertThat(CohortCli.run("pki", "install", "--data-dir", data.toString(), "--https-cert",
        back.resolve("https.crt").toString())).as("not before the CA certificate is installed").isNotZero();
    assertThat(CohortCli.run("pki", "install", "--data-dir", data.toString(), "--ca-cert", back.resolve("ca.crt").toString(),
        "--server-cert", back.resolve("coordinator.crt").toString(), "--https-cert", back.resolve("https.crt").toString()))
        .isZero();
    assertThat(data.resolve("pki/coordinator.p12")).exists();
    assertThat(Pem.readCertificates(data.resolve("pki/https.crt")).get(0)).isEqualTo(https);
    HttpsPreflight.check(data, java.util.List.of(), java.util.Map.of(), java.time.Instant.now());
    assertThat(data.resolve("pki/ca.crt")).exists();
    assertThat(data.resolve("pki/ca.key")).as("the CA key stays on the CA machine").doesNotExist();
    assertThat(io.cohort.coordinator.pki.PkiFiles.isOfflineCa(data.resolve("pki"))).isTrue();
    assertThat(CohortCli.run("serve", "--data-dir", data.toString(), "--help")).isZero();

    NodeKey key = NodeKey.loadOrCreate(dir.resolve("hospital/ward-a.identity.key"));
    CertificationRequest request = CertificationRequest.create("ward-a", key);
    Path nodeCsr = Files.writeString(dir.resolve("ward-a.csr"), request.toPem());
    assertThat(CohortCli.run("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", pass.toString(), "--node",
        "ward-a", "--csr", nodeCsr.toString(), "--fingerprint", "00".repeat(32), "--out", dir.resolve("kit-x").toString()))
        .as("a request other than the one read out is not signed").isEqualTo(CliException.INTEGRITY);
    assertThat(CohortCli.run("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", pass.toString(), "--node",
        "ward-a", "--csr", nodeCsr.toString(), "--fingerprint", request.fingerprint(), "--out",
        dir.resolve("kit").toString())).isZero();
    assertThat(CohortCli.run("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", pass.toString(), "--node",
        "ward-b", "--generate-key", "--out", dir.resolve("kit-b").toString())).as("no node keys on the CA machine")
        .isEqualTo(CliException.USAGE);
    var cert = Pem.readCertificates(dir.resolve("kit/ward-a.crt")).get(0);
    assertThat(Files.readString(ca.resolve("issued.log"))).contains(cert.getSerialNumber().toString(16) + " ward-a");

    assertThat(CohortCli.run("pki", "revoke", "--ca-dir", ca.toString(), "--passphrase-file", pass.toString(), "--node",
        "ward-a")).isZero();
    assertThat(CohortCli.run("pki", "install", "--data-dir", data.toString(), "--crl", ca.resolve("ca.crl").toString()))
        .isZero();
    var crl = io.cohort.crypto.pki.RevocationList.read(data.resolve("pki/ca.crl"),
        Pem.readCertificates(data.resolve("pki/ca.crt")).get(0));
    assertThat(crl.isRevoked(cert.getSerialNumber())).isTrue();
  }

  @Test
  void serve_withoutPki_saysHowToCreateIt() {
    assertThat(CohortCli.run("serve", "--data-dir", dir.resolve("empty").toString())).isEqualTo(CliException.USAGE);
  }
}
