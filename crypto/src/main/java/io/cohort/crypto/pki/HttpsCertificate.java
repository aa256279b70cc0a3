package io.cohort.crypto.pki;

import io.cohort.crypto.pki.internal.X509Codec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Issue 21 #5: the admin API's (and dashboard's) HTTPS serving key and certificate, as PEM files the
 * HTTP server reads. The key is ECDSA P-256, not the Ed25519 of the federation's identities, because
 * browsers accept no Ed25519 certificate; it is made where it is used (the coordinator) and only its
 * certificate request travels to the CA. An operator may instead provide a certificate and key from
 * the organisation's own PKI (EC or RSA); {@link #check} validates either before the server starts.
 *
 * <p>Security guarantees: keys come from {@link SecureRandom} and are written 0600; a request is
 * accepted only when its self-signature verifies and its key is P-256.
 */
public final class HttpsCertificate {
  /** The subject CN of an HTTPS certificate the federation CA issues. */
  public static final String SUBJECT = "cohort-coordinator-https";
  private static final SecureRandom RANDOM = new SecureRandom();

  private HttpsCertificate() {}

  /** A fresh ECDSA P-256 key pair. */
  public static KeyPair generateKey() throws PkiException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot generate an ECDSA P-256 key: " + e.getMessage(), e);
    }
  }

  /** Writes {@code key} as PKCS#8 PEM ("PRIVATE KEY"), created 0600. */
  public static void writeKey(Path file, PrivateKey key) throws IOException {
    Pem.writeSecret(file, Pem.encode("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
  }

  /** The key pair in {@code file} (an EC key written by {@link #writeKey}), the public half derived from the request path. */
  public static KeyPair loadOrCreate(Path file) throws PkiException, IOException {
    if (!java.nio.file.Files.exists(file)) {
      KeyPair kp = generateKey();
      writeKey(file, kp.getPrivate());
      return kp;
    }
    PrivateKey key = readKey(file, "key file");
    if (!(key instanceof java.security.interfaces.ECPrivateKey ec)) {
      throw new PkiException(file + ": not an EC private key");
    }
    try {
      // The public point is Q = d·G; BouncyCastle computes it from the private scalar.
      var spec = org.bouncycastle.jce.ECNamedCurveTable.getParameterSpec("secp256r1");
      var q = spec.getG().multiply(ec.getS()).normalize();
      var bcSpec = new org.bouncycastle.jce.spec.ECPublicKeySpec(q, spec);
      PublicKey pub = KeyFactory.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider())
          .generatePublic(bcSpec);
      PublicKey jdk = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(pub.getEncoded()));
      return new KeyPair(jdk, key);
    } catch (GeneralSecurityException e) {
      throw new PkiException(file + ": cannot derive the public key: " + e.getMessage(), e);
    }
  }

  /** A PEM PKCS#10 request (CN {@link #SUBJECT}) signed by {@code key}. */
  public static String request(KeyPair key) throws PkiException {
    try {
      return Pem.encode("CERTIFICATE REQUEST", X509Codec.request(X509Codec.cn(SUBJECT), key));
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot build the HTTPS certificate request: " + e.getMessage(), e);
    }
  }

  /** The P-256 public key of a DER request whose self-signature verifies. */
  public static PublicKey parseRequest(byte[] der) throws PkiException {
    X509Codec.ParsedRequest r;
    try {
      r = X509Codec.parseRequest(der);
    } catch (GeneralSecurityException e) {
      throw new PkiException("HTTPS certificate request rejected: " + e.getMessage());
    }
    PublicKey key;
    try {
      key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(r.subjectPublicKeyInfo()));
    } catch (GeneralSecurityException e) {
      throw new PkiException("HTTPS certificate request rejected: its key must be ECDSA P-256 (browsers accept no"
          + " Ed25519 certificate)");
    }
    requireP256(key, "the HTTPS certificate request's key");
    return key;
  }

  static void requireP256(PublicKey key, String what) throws PkiException {
    if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
      throw new PkiException(what + " must be ECDSA P-256 (browsers accept no Ed25519 certificate), not "
          + key.getAlgorithm());
    }
  }

  /**
   * Checks what the HTTP server is about to load: the certificate file holds a certificate valid at
   * {@code now}, the key file a private key (PKCS#8, or the PKCS#1/SEC1 forms openssl writes) that
   * matches it. Each error is one line naming the file and its setting.
   *
   * @return the chain, leaf first
   */
  public static List<X509Certificate> check(Path certificate, String certificateSetting, Path key, String keySetting,
      Instant now) throws PkiException {
    List<X509Certificate> chain;
    try {
      chain = Pem.readCertificates(certificate);
    } catch (PkiException e) {
      throw new PkiException(e.getMessage() + " (" + certificateSetting + ")");
    }
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new PkiException(certificate + " (" + certificateSetting + "): the certificate expired at "
          + leaf.getNotAfter().toInstant() + "; issue a new one");
    } catch (CertificateNotYetValidException e) {
      throw new PkiException(certificate + " (" + certificateSetting + "): the certificate is not valid before "
          + leaf.getNotBefore().toInstant() + " (is this machine's clock right?)");
    }
    PrivateKey privateKey = readKey(key, keySetting);
    if (!matches(privateKey, leaf.getPublicKey())) {
      throw new PkiException(key + " (" + keySetting + "): this key does not match the certificate in " + certificate
          + " (" + certificateSetting + "); give the key the certificate was issued for");
    }
    return chain;
  }

  /** Reads a PEM private key; {@code setting} names it in errors. */
  static PrivateKey readKey(Path file, String setting) throws PkiException {
    String text;
    try {
      text = Pem.read(file);
    } catch (PkiException e) {
      throw new PkiException(e.getMessage() + " (" + setting + ")");
    }
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
    } catch (IOException | RuntimeException e) {
      // falls through to the one-line error below
    }
    throw new PkiException(file + " (" + setting + "): no unencrypted PEM private key (PRIVATE KEY, EC PRIVATE KEY or"
        + " RSA PRIVATE KEY)");
  }

  /** Whether {@code key} signs what {@code certified} verifies: a proof that they are one pair. */
  private static boolean matches(PrivateKey key, PublicKey certified) {
    String alg = switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = new byte[32];
      RANDOM.nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(certified);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
