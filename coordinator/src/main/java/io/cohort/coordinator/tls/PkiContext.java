package io.cohort.coordinator.tls;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.pki.Enrolment;
import io.cohort.coordinator.pki.Revocations;
import io.cohort.crypto.pki.CertificateValidator;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.RevocationList;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;

/**
 * What the transport layer needs from the PKI: the mode, the CA (absent only in plaintext
 * development mode without {@code cohort pki init}), the validator, enrolment and revocations.
 */
public final class PkiContext {
  private final boolean plaintextDev;
  private final Optional<FederationCa> ca;
  private final Optional<java.security.cert.X509Certificate> caCertificate;
  private final Optional<Enrolment> enrolment;
  private final Revocations revocations;
  private final java.nio.file.Path crlFile;

  PkiContext(boolean plaintextDev, Optional<FederationCa> ca, Optional<Enrolment> enrolment, Revocations revocations) {
    this(plaintextDev, ca, ca.map(FederationCa::certificate), enrolment, revocations, null);
  }

  /**
   * @param ca the CA key: present only for a development CA on the coordinator
   * @param caCertificate the federation CA certificate (absent only in plaintext development mode without a PKI)
   * @param crlFile where an offline CA's signed revocation list is installed ({@code cohort pki install --crl})
   */
  PkiContext(boolean plaintextDev, Optional<FederationCa> ca, Optional<java.security.cert.X509Certificate> caCertificate,
      Optional<Enrolment> enrolment, Revocations revocations, java.nio.file.Path crlFile) {
    this.plaintextDev = plaintextDev;
    this.ca = ca;
    this.caCertificate = caCertificate;
    this.enrolment = enrolment;
    this.revocations = revocations;
    this.crlFile = crlFile;
  }

  /** Whether the CA key is on this coordinator (the development CA, {@code cohort pki init --dev-ca}). */
  public boolean devCa() {
    return ca.isPresent();
  }

  public boolean plaintextDev() {
    return plaintextDev;
  }

  public CertificateValidator validator() {
    return new CertificateValidator(caCertificate.orElseThrow());
  }

  public Revocations revocations() {
    return revocations;
  }

  /**
   * The federation's current CRL, signed now by the CA: every recorded certificate of a revoked
   * node issued up to its revocation. For relying parties outside the coordinator (proxies, node
   * operators); the coordinator itself checks revocation by node and time on every call.
   */
  public RevocationList revocationList(Duration nextUpdate) throws PkiException {
    if (ca.isEmpty() && caCertificate.isPresent()) {
      // Offline CA (issue 21 #1): the list the CA signed on its own machine, as the operator installed it.
      if (crlFile == null || !java.nio.file.Files.isRegularFile(crlFile)) {
        throw DomainException.precondition("no revocation list installed: sign one on the CA machine (cohort pki crl"
            + " --ca-dir DIR) and install it here (cohort pki install --data-dir DIR --crl ca.crl)");
      }
      return RevocationList.read(crlFile, caCertificate.get());
    }
    FederationCa c = ca.orElseThrow(() -> DomainException.precondition(
        "no federation CA, so no revocation list; install the federation PKI first (docs/operations.md)"));
    return c.revocationList(revocations.revokedSerials(), BigInteger.valueOf(System.currentTimeMillis()), nextUpdate);
  }

  public Enrolment enrolment() {
    return enrolment.orElseThrow(() -> DomainException.precondition(
        "enrolment needs the federation CA certificate; install the federation PKI first (docs/operations.md)"));
  }
}
