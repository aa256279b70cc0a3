package io.cohort.crypto.pki;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;

/**
 * The node's Ed25519 identity key (the file {@link IdentityKeyPair} keeps, PKCS#8 DER, 0600) in
 * the role of a certificate key: the node's certificate certifies exactly this key, so the
 * secure-aggregation identity is bound to the certificate by construction.
 *
 * <p>Security guarantees: the private key is generated on the node and is never exported by this
 * class; it is used only to sign PKCS#10 requests and inside the JDK's TLS key manager
 * ({@link TlsMaterial}). TLS 1.3 signs CertificateVerify under its own context string (RFC 8446
 * §4.4.3), so its signatures cannot be confused with secure-aggregation messages.
 */
public final class NodeKey {
  /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { algorithm id-Ed25519, BIT STRING }. */
  private static final byte[] ED25519_SPKI_PREFIX = java.util.HexFormat.of().parseHex("302a300506032b6570032100");
  private final KeyPair keyPair;
  private final IdentityPublicKey publicKey;

  private NodeKey(KeyPair keyPair, IdentityPublicKey publicKey) {
    this.keyPair = keyPair;
    this.publicKey = publicKey;
  }

  /** Loads the identity key at {@code file}, creating it (mode 0600) on first use. */
  public static NodeKey loadOrCreate(Path file) throws IOException {
    IdentityPublicKey pub = IdentityKeyPair.loadOrCreate(file).publicKey();
    try {
      PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(file)));
      return new NodeKey(new KeyPair(jdkPublic(pub), pk), pub);
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " does not hold an Ed25519 private key (PKCS#8 DER)", e);
    }
  }

  static PublicKey jdkPublic(IdentityPublicKey pub) throws GeneralSecurityException {
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + IdentityPublicKey.SIZE_BYTES];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(pub.raw(), 0, spki, ED25519_SPKI_PREFIX.length, IdentityPublicKey.SIZE_BYTES);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
  }

  public IdentityPublicKey publicKey() {
    return publicKey;
  }

  KeyPair keyPair() {
    return keyPair;
  }

  @Override
  public String toString() {
    return "NodeKey[public=" + publicKey.hex() + "]";
  }
}
