package io.cohort.coordinator.tls;

import io.agroal.api.AgroalDataSource;
import io.cohort.coordinator.app.CoordinatorConfig;
import io.cohort.coordinator.pki.Enrolment;
import io.cohort.coordinator.pki.PkiStore;
import io.cohort.coordinator.pki.Revocations;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.logging.Logger;

/** Produces the PKI objects from configuration, and says loudly at startup which transport mode runs. */
public class PkiBeans {
  private static final Logger LOG = Logger.getLogger(PkiBeans.class.getName());

  @Produces
  @Singleton
  PkiContext pkiContext(TlsConfig tls, CoordinatorConfig config, Clock clock,
      io.cohort.coordinator.audit.AuditLog audit) {
    if (!tls.mode().equals("mutual") && !tls.plaintextDev()) {
      throw new IllegalArgumentException("cohort.tls.mode must be mutual or plaintext-dev, got '" + tls.mode() + "'");
    }
    AgroalDataSource ds = Arc.container()
        .select(AgroalDataSource.class, new DataSource.DataSourceLiteral(config.database())).get();
    PkiStore store = new PkiStore(ds, audit, clock);
    Path dir = Path.of(tls.pkiDir());
    Optional<FederationCa> ca = Optional.empty();
    Optional<java.security.cert.X509Certificate> caCert = Optional.empty();
    if (Files.exists(dir.resolve(FederationCa.KEY_FILE))) {
      try {
        ca = Optional.of(FederationCa.load(dir, clock));
        caCert = Optional.of(ca.get().certificate());
      } catch (PkiException e) {
        throw new IllegalStateException("cannot load the federation CA: " + e.getMessage());
      }
    } else if (Files.isRegularFile(dir.resolve(FederationCa.CERT_FILE))) {
      // Issue 21 #1, the default: the CA key is on another machine; this coordinator holds only its own
      // certificate, the CA certificate and the CRL.
      try {
        caCert = Optional.of(io.cohort.crypto.pki.Pem.readCertificates(dir.resolve(FederationCa.CERT_FILE)).get(0));
      } catch (PkiException e) {
        throw new IllegalStateException("cannot read the federation CA certificate: " + e.getMessage());
      }
    } else if (!tls.plaintextDev()) {
      throw new IllegalStateException("mutual TLS needs the federation PKI in " + dir.toAbsolutePath()
          + ": install it from the offline CA (cohort pki server-request, then cohort pki install; docs/operations.md),"
          + " or for development `cohort pki init --dev-ca --data-dir DIR` (or the plaintext-dev profile)");
    }
    Optional<FederationCa> key = ca;
    Optional<Enrolment> enrolment = caCert.map(c -> new Enrolment(store, c, key, clock, tls.certificateValidity()));
    return new PkiContext(tls.plaintextDev(), ca, caCert, enrolment, new Revocations(store, clock),
        dir.resolve(io.cohort.coordinator.pki.PkiFiles.CRL_FILE));
  }

  void announce(@Observes StartupEvent e, TlsConfig tls, PkiContext pki) {
    if (pki.plaintextDev()) {
      LOG.warning("gRPC runs in PLAINTEXT DEVELOPMENT MODE (cohort.tls.mode=plaintext-dev): traffic is not encrypted"
          + " and node ids are taken on trust. Never use this mode with real data.");
    } else {
      LOG.info("gRPC requires mutual TLS: node certificates from the federation CA "
          + TlsMaterial.fingerprint(pki.validator().ca()) + " (" + tls.pkiDir() + ")");
      if (pki.devCa()) {
        LOG.warning("DEVELOPMENT CA: the federation CA key is on this coordinator (" + tls.pkiDir() + "/ca.key), so its"
            + " operator can mint node certificates for any name. For real federations keep the CA offline"
            + " (cohort pki init --ca-dir on another machine; docs/operations.md).");
      } else {
        LOG.info("offline federation CA: this coordinator holds only its certificate, the CA certificate and the CRL;"
            + " enrolment requests wait until a certificate signed on the CA machine is installed");
      }
    }
  }
}
