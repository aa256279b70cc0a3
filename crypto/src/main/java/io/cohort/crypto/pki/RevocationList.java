package io.cohort.crypto.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * A certificate revocation list (RFC 5280 §5) signed by the federation CA: the serials of node
 * certificates that must no longer be accepted.
 *
 * <p>Security guarantees: an instance exists only for a list whose signature verifies under the
 * CA certificate it was checked against and whose issuer is that CA.
 */
public final class RevocationList {
  private final X509CRL crl;
  private final Set<BigInteger> serials;

  private RevocationList(X509CRL crl) {
    this.crl = crl;
    Set<BigInteger> s = new TreeSet<>();
    Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
    if (entries != null) {
      entries.forEach(e -> s.add(e.getSerialNumber()));
    }
    this.serials = Set.copyOf(s);
  }

  /** Parses DER and checks the signature and issuer against {@code ca}. */
  public static RevocationList verified(byte[] der, X509Certificate ca) throws PkiException {
    X509CRL crl;
    try {
      crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new java.io.ByteArrayInputStream(der));
    } catch (CRLException | java.security.cert.CertificateException e) {
      throw new PkiException("not a DER X.509 revocation list: " + e.getMessage());
    }
    if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw new PkiException("revocation list was issued by " + crl.getIssuerX500Principal() + ", not by the federation CA "
          + ca.getSubjectX500Principal());
    }
    try {
      crl.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new PkiException("revocation list signature does not verify under the federation CA");
    }
    return new RevocationList(crl);
  }

  /** Reads a PEM list ({@code X509 CRL}) from {@code file} and verifies it against {@code ca}. */
  public static RevocationList read(Path file, X509Certificate ca) throws PkiException {
    return verified(Pem.readOne(file, "X509 CRL"), ca);
  }

  public boolean isRevoked(BigInteger serial) {
    return serials.contains(serial);
  }

  public Set<BigInteger> serials() {
    return serials;
  }

  public Instant thisUpdate() {
    return crl.getThisUpdate().toInstant();
  }

  public byte[] der() {
    try {
      return crl.getEncoded();
    } catch (CRLException e) {
      throw new IllegalStateException("a parsed CRL re-encodes", e);
    }
  }

  public String toPem() {
    return Pem.encode("X509 CRL", der());
  }
}
