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
  private final Optional<Enrolment> enrolment;
  private final Revocations revocations;

  PkiContext(boolean plaintextDev, Optional<FederationCa> ca, Optional<Enrolment> enrolment, Revocations revocations) {
    this.plaintextDev = plaintextDev;
    this.ca = ca;
    this.enrolment = enrolment;
    this.revocations = revocations;
  }

  public boolean plaintextDev() {
    return plaintextDev;
  }

  public CertificateValidator validator() {
    return new CertificateValidator(ca.orElseThrow().certificate());
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
    FederationCa c = ca.orElseThrow(() -> DomainException.precondition(
        "no federation CA, so no revocation list; run `cohort pki init --data-dir DIR` on the coordinator first"));
    return c.revocationList(revocations.revokedSerials(), BigInteger.valueOf(System.currentTimeMillis()), nextUpdate);
  }

  public Enrolment enrolment() {
    return enrolment.orElseThrow(() -> DomainException.precondition(
        "enrolment needs the federation CA; run `cohort pki init --data-dir DIR` on the coordinator first"));
  }
}
