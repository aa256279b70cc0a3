package io.cohort.crypto.pki;

import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.pki.internal.X509Codec;
import java.security.GeneralSecurityException;
import java.util.regex.Pattern;

/**
 * A node's PKCS#10 certificate request: subject {@code CN=<node id>}, the node's Ed25519 identity
 * key, self-signed with that key. It carries only public material.
 *
 * <p>Security guarantees: an instance exists only for a request whose signature verifies under
 * its own key, whose key is Ed25519 and whose CN is a valid node id; the fingerprint (SHA-256 of
 * the DER) is what an administrator compares before approving.
 */
public final class CertificationRequest {
  /** Node ids as the coordinator accepts them. */
  public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private final byte[] der;
  private final String nodeId;
  private final IdentityPublicKey publicKey;

  private CertificationRequest(byte[] der, String nodeId, IdentityPublicKey publicKey) {
    this.der = der;
    this.nodeId = nodeId;
    this.publicKey = publicKey;
  }

  /** Creates and signs a request on the node; the private key stays in {@code key}. */
  public static CertificationRequest create(String nodeId, NodeKey key) throws PkiException {
    requireNodeId(nodeId);
    try {
      return parse(X509Codec.request(X509Codec.cn(nodeId), key.keyPair()));
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot create the certificate request: " + e.getMessage(), e);
    }
  }

  /** Parses and checks a DER request received from elsewhere. */
  public static CertificationRequest parse(byte[] der) throws PkiException {
    X509Codec.ParsedRequest p;
    try {
      p = X509Codec.parseRequest(der);
    } catch (GeneralSecurityException e) {
      throw new PkiException("certificate request rejected: " + e.getMessage());
    }
    if (p.commonName() == null || !NODE_ID.matcher(p.commonName()).matches()) {
      throw new PkiException("certificate request rejected: its subject must be exactly CN=<node id> (1-128 letters,"
          + " digits, '.', '_' or '-'), got " + p.commonName());
    }
    byte[] raw = X509Codec.rawEd25519(p.subjectPublicKeyInfo());
    if (raw == null) {
      throw new PkiException("certificate request rejected: its key must be the node's Ed25519 identity key");
    }
    return new CertificationRequest(der.clone(), p.commonName(), IdentityPublicKey.fromRaw(raw));
  }

  static void requireNodeId(String nodeId) throws PkiException {
    if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
      throw new PkiException("node id must be 1-128 letters, digits, '.', '_' or '-' starting with a letter or digit,"
          + " got '" + nodeId + "'");
    }
  }

  public String nodeId() {
    return nodeId;
  }

  public IdentityPublicKey publicKey() {
    return publicKey;
  }

  public byte[] der() {
    return der.clone();
  }

  /** SHA-256 of the DER request as colon-free lowercase hex (64 characters). */
  public String fingerprint() {
    return Digests.sha256Hex(der);
  }

  public String toPem() {
    return Pem.encode("CERTIFICATE REQUEST", der);
  }

  @Override
  public String toString() {
    return "CertificationRequest[" + nodeId + ", " + fingerprint() + "]";
  }
}
