package io.cohort.simulator;

import io.cohort.cli.PkiCommand;
import io.cohort.client.config.NodeConfig;
import io.cohort.coordinator.pki.PkiFiles;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.TlsMaterial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The simulation's PKI, the offline way: a CA in the coordinator's data directory, and for each
 * node an identity key (made where the node's configuration keeps it), a certificate request and a
 * certificate, exactly as `cohort-node enroll --csr-out` and `cohort pki issue --csr` would.
 */
final class SimulationPki {
  private SimulationPki() {}

  /**
   * Creates (or reuses) the CA, and writes each node's identity key, certificate (node then CA)
   * and the CA certificate where the node's configuration names them; returns the CA fingerprint.
   */
  static String prepare(Path coordDir, List<NodeConfig> nodes) throws Exception {
    Path pki = PkiCommand.pkiDir(coordDir);
    if (!Files.exists(pki.resolve(FederationCa.KEY_FILE))) {
      PkiFiles.init(pki, "Cohort simulation CA", List.of(), Duration.ofDays(30), Clock.systemUTC());
    }
    FederationCa ca = FederationCa.load(pki, Clock.systemUTC());
    if (!Files.exists(pki.resolve(PkiFiles.HTTPS_CERT))) {
      // A work directory from before issue 21 #5: the admin API now needs its HTTPS certificate.
      PkiFiles.issueHttps(ca, pki, List.of(), Duration.ofDays(30));
    }
    for (NodeConfig node : nodes) {
      String id = node.nodeId();
      NodeKey key = NodeKey.loadOrCreate(node.identityKey());
      X509Certificate cert = ca.issueNode(CertificationRequest.create(id, key), id, Duration.ofDays(7));
      Pem.writePublic(node.certificate(),
          Pem.certificates(List.of(cert, ca.certificate())).getBytes(StandardCharsets.US_ASCII));
      Pem.writePublic(node.caCertificate(), Pem.certificates(List.of(ca.certificate())).getBytes(StandardCharsets.US_ASCII));
    }
    return TlsMaterial.fingerprint(ca.certificate());
  }
}
