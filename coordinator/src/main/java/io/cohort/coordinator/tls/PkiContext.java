package io.cohort.coordinator.tls;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.pki.Enrolment;
import io.cohort.coordinator.pki.Revocations;
import io.cohort.crypto.pki.CertificateValidator;
import io.cohort.crypto.pki.FederationCa;
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

  public Enrolment enrolment() {
    return enrolment.orElseThrow(() -> DomainException.precondition(
        "enrolment needs the federation CA; run `cohort pki init --data-dir DIR` on the coordinator first"));
  }
}
