package io.cohort.crypto.pki;

import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.pki.internal.X509Codec;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Predicate;

/**
 * Checks that a certificate is a node certificate of this federation and says which node it
 * names. The TLS stack already checks the chain during the handshake; this check runs again on
 * every call because it adds what TLS does not know: revocation, the node-id form, and that the
 * key is an Ed25519 identity key.
 *
 * <p>Security guarantees: accepts only a leaf signed by {@code ca} whose issuer is the CA, valid
 * at {@code now} (as is the CA), marked for client authentication and not as a CA, with subject
 * exactly {@code CN=<valid node id>}, an Ed25519 key, and a serial not in the revocation set.
 */
public final class CertificateValidator {
  private final X509Certificate ca;

  public CertificateValidator(X509Certificate ca) {
    this.ca = ca;
  }

  public X509Certificate ca() {
    return ca;
  }

  /** Validates the leaf of {@code chain} (any further certificates are ignored: only the CA is trusted). */
  public NodeCertificate validateNode(List<X509Certificate> chain, Instant now, Predicate<BigInteger> revoked)
      throws PkiException {
    if (chain == null || chain.isEmpty()) {
      throw new PkiException("no client certificate was presented");
    }
    X509Certificate leaf = chain.get(0);
    String subject = leaf.getSubjectX500Principal().getName();
    if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw new PkiException("certificate " + subject + " was issued by " + leaf.getIssuerX500Principal().getName()
          + ", not by this federation's CA");
    }
    try {
      leaf.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new PkiException("certificate " + subject + " is not signed by this federation's CA");
    }
    checkTime(leaf, now, "certificate " + subject);
    checkTime(ca, now, "the federation CA certificate");
    try {
      List<String> eku = leaf.getExtendedKeyUsage();
      if (eku == null || !eku.contains("1.3.6.1.5.5.7.3.2") || leaf.getBasicConstraints() >= 0) {
        throw new PkiException("certificate " + subject + " is not a node (client-authentication) certificate");
      }
    } catch (java.security.cert.CertificateParsingException e) {
      throw new PkiException("certificate " + subject + " has a malformed extended key usage");
    }
    String nodeId = X509Codec.commonName(leaf.getSubjectX500Principal());
    if (nodeId == null || !CertificationRequest.NODE_ID.matcher(nodeId).matches()) {
      throw new PkiException("certificate subject " + subject + " is not CN=<node id>");
    }
    byte[] raw = X509Codec.rawEd25519(leaf.getPublicKey().getEncoded());
    if (raw == null) {
      throw new PkiException("certificate " + subject + " does not certify an Ed25519 identity key");
    }
    BigInteger serial = leaf.getSerialNumber();
    if (revoked.test(serial)) {
      throw new PkiException("certificate of node '" + nodeId + "' (serial " + serial.toString(16) + ") is revoked");
    }
    return new NodeCertificate(nodeId, IdentityPublicKey.fromRaw(raw), serial, leaf.getNotBefore().toInstant(),
        leaf.getNotAfter().toInstant(), fingerprint(leaf));
  }

  public static String fingerprint(X509Certificate cert) {
    try {
      return Digests.sha256Hex(cert.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("a parsed certificate re-encodes", e);
    }
  }

  private static void checkTime(X509Certificate c, Instant now, String what) throws PkiException {
    try {
      c.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new PkiException(what + " expired at " + c.getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      throw new PkiException(what + " is not valid before " + c.getNotBefore().toInstant());
    }
  }
}
