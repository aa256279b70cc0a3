package io.cohort.coordinator.tls;

import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Issue 21 #5: says at startup how the admin API and dashboard are served: HTTPS with which
 * certificate (so an operator can compare its fingerprint with what the browser shows), or plain HTTP
 * in the development profile, with a warning. Tokens travel in every admin request.
 */
public class AdminTransport {
  private static final Logger LOG = Logger.getLogger(AdminTransport.class.getName());

  // HttpsConfig is injected so that Quarkus registers the cohort.https.* mapping (an unused mapping is not,
  // and its keys would then be refused as unknown).
  void announce(@Observes StartupEvent e, HttpsConfig https,
      @ConfigProperty(name = "quarkus.http.ssl.certificate.files") Optional<List<Path>> certificate) {
    if (certificate.isEmpty() || certificate.get().isEmpty()) {
      LOG.warning("admin API and dashboard on PLAIN HTTP (development profile): admin tokens and job data travel"
          + " unencrypted. Never use this with real data; without the profile they are served over HTTPS only.");
      return;
    }
    Path file = certificate.get().get(0);
    try {
      X509Certificate leaf = Pem.readCertificates(file).get(0);
      LOG.info("admin API and dashboard: HTTPS only, certificate " + file + " (" + leaf.getSubjectX500Principal().getName()
          + ", issued by " + leaf.getIssuerX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant()
          + ", SHA-256 " + TlsMaterial.fingerprint(leaf) + ")");
    } catch (PkiException ex) {
      LOG.info("admin API and dashboard: HTTPS only, certificate " + file);
    }
  }
}
