package io.cohort.simulator;

import io.cohort.cli.PkiCommand;
import io.cohort.coordinator.pki.PkiFiles;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The simulation's PKI, the offline way: a CA in the coordinator's data directory, and for each
 * node an identity key (made where the node's files live), a certificate request and a
 * certificate, exactly as `cohort-node enroll --csr-out` and `cohort pki issue --csr` would.
 */
final class SimulationPki {
  private SimulationPki() {}

  /** Creates (or reuses) the CA and writes node{i}.crt and ca.crt into {@code nodeDir}; returns the CA fingerprint. */
  static String prepare(Path coordDir, Path nodeDir, int nodes) throws Exception {
    Path pki = PkiCommand.pkiDir(coordDir);
    if (!Files.exists(pki.resolve(FederationCa.KEY_FILE))) {
      PkiFiles.init(pki, "Cohort simulation CA", List.of(), Duration.ofDays(30), Clock.systemUTC());
    }
    FederationCa ca = FederationCa.load(pki, Clock.systemUTC());
    for (int i = 1; i <= nodes; i++) {
      String id = "node" + i;
      NodeKey key = NodeKey.loadOrCreate(nodeDir.resolve(id + ".identity.key"));
      X509Certificate cert = ca.issueNode(CertificationRequest.create(id, key), id, Duration.ofDays(7));
      PkiCommand.writeKit(nodeDir, id, cert, ca.certificate(), false);
    }
    return TlsMaterial.fingerprint(ca.certificate());
  }
}
