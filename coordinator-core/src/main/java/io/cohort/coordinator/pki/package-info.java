/** The coordinator's side of the federation PKI: enrolment, issued certificates and revocation; no framework types. */
package io.cohort.coordinator.pki;
