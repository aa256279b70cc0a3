/** The federation PKI: CA, node certificate requests and certificates, revocation lists, PEM files and TLS material. */
package io.cohort.crypto.pki;
