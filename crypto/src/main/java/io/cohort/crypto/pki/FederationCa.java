package io.cohort.crypto.pki;

import io.cohort.crypto.pki.internal.X509Codec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * The federation's certificate authority: an Ed25519 key and a self-signed CA certificate,
 * kept on the coordinator side as {@code ca.key} (PKCS#8 PEM, 0600) and {@code ca.crt}.
 *
 * <p>Security guarantees: the CA key is generated from {@link SecureRandom} and written only to a
 * file created 0600; it signs node certificates only for requests whose self-signature verifies
 * (proof of possession) and whose CN is the node id the caller expects; serial numbers are 127
 * random bits, so they are unique without shared state. The CA never sees a node's private key
 * on the online path.
 */
public final class FederationCa {
  public static final String KEY_FILE = "ca.key";
  public static final String CERT_FILE = "ca.crt";
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  private static final Duration MIN_VALIDITY = Duration.ofMinutes(1);
  private static final Duration MAX_VALIDITY = Duration.ofDays(3650);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair key;
  private final X509Certificate certificate;
  private final Clock clock;

  private FederationCa(KeyPair key, X509Certificate certificate, Clock clock) {
    this.key = key;
    this.certificate = certificate;
    this.clock = clock;
  }

  /** A new CA named {@code name}, valid for {@code validity} from now, held in memory only. */
  public static FederationCa create(String name, Duration validity, Clock clock) throws PkiException {
    checkValidity(validity, "CA validity");
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, RANDOM);
      KeyPair kp = g.generateKeyPair();
      X500Name dn = X509Codec.cn(name);
      Instant now = clock.instant();
      X509Certificate cert = X509Codec.certificate(dn, kp.getPrivate(), kp.getPublic(), dn, kp.getPublic(), serial(),
          now.minus(CLOCK_SKEW), now.plus(validity), X509Codec.Role.CA, List.of(), List.of());
      return new FederationCa(kp, cert, clock);
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot create the CA: " + e.getMessage(), e);
    }
  }

  /** Creates a CA and stores it in {@code dir}; refuses to overwrite an existing CA key. */
  public static FederationCa init(Path dir, String name, Duration validity, Clock clock) throws PkiException, IOException {
    Path keyFile = dir.resolve(KEY_FILE);
    if (Files.exists(keyFile)) {
      throw new PkiException(keyFile + " already exists: this federation already has a CA (remove the directory"
          + " deliberately to start a new federation)");
    }
    FederationCa ca = create(name, validity, clock);
    Pem.writeSecret(keyFile, Pem.encode("PRIVATE KEY", ca.key.getPrivate().getEncoded()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Pem.writePublic(dir.resolve(CERT_FILE), Pem.certificates(List.of(ca.certificate)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return ca;
  }

  /**
   * Issue 21 #1: creates the offline federation CA in {@code dir} (a directory meant for a machine
   * other than the coordinator), its key encrypted under {@code passphrase} ({@link EncryptedKeyFile});
   * refuses to overwrite an existing CA key.
   */
  public static FederationCa initOffline(Path dir, String name, Duration validity, Clock clock, char[] passphrase)
      throws PkiException, IOException {
    Path keyFile = dir.resolve(KEY_FILE);
    if (Files.exists(keyFile)) {
      throw new PkiException(keyFile + " already exists: this federation already has a CA (remove the directory"
          + " deliberately to start a new federation)");
    }
    FederationCa ca = create(name, validity, clock);
    io.cohort.crypto.keys.OwnerOnly.createDirectories(dir.toAbsolutePath());
    EncryptedKeyFile.write(keyFile, ca.key.getPrivate(), passphrase);
    Pem.writePublic(dir.resolve(CERT_FILE), Pem.certificates(List.of(ca.certificate)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return ca;
  }

  /** Whether the CA key in {@code dir} is passphrase-protected (an offline CA). */
  public static boolean isProtected(Path dir) throws PkiException {
    try {
      return EncryptedKeyFile.isEncrypted(dir.resolve(KEY_FILE));
    } catch (IOException e) {
      throw new PkiException(dir.resolve(KEY_FILE) + ": cannot read the CA key (" + e.getMessage() + ")");
    }
  }

  /** Loads the CA stored in {@code dir} by {@link #initOffline}, asking {@code passphrase} only for a protected key. */
  public static FederationCa load(Path dir, Clock clock, java.util.function.Supplier<char[]> passphrase)
      throws PkiException {
    if (!isProtected(dir)) {
      return load(dir, clock);
    }
    X509Certificate cert = Pem.readCertificates(dir.resolve(CERT_FILE)).get(0);
    char[] p = passphrase.get();
    try {
      FederationCa ca = new FederationCa(new KeyPair(cert.getPublicKey(), EncryptedKeyFile.read(dir.resolve(KEY_FILE), p)),
          cert, clock);
      ca.requireMatchingKey();
      return ca;
    } catch (GeneralSecurityException e) {
      throw new PkiException(dir.resolve(KEY_FILE) + ": " + e.getMessage());
    } finally {
      java.util.Arrays.fill(p, '\0');
    }
  }

  /** Loads the CA stored in {@code dir} by {@link #init} (an unprotected development CA key). */
  public static FederationCa load(Path dir, Clock clock) throws PkiException {
    X509Certificate cert = Pem.readCertificates(dir.resolve(CERT_FILE)).get(0);
    try {
      if (isProtected(dir)) {
        throw new PkiException(dir.resolve(KEY_FILE) + " is passphrase-protected (an offline CA); this command needs"
            + " the passphrase");
      }
      PrivateKey pk = KeyFactory.getInstance("Ed25519")
          .generatePrivate(new PKCS8EncodedKeySpec(Pem.readOne(dir.resolve(KEY_FILE), "PRIVATE KEY")));
      FederationCa ca = new FederationCa(new KeyPair(cert.getPublicKey(), pk), cert, clock);
      ca.requireMatchingKey();
      return ca;
    } catch (GeneralSecurityException e) {
      throw new PkiException(dir.resolve(KEY_FILE) + ": not an Ed25519 private key (PKCS#8 PEM)");
    }
  }

  private void requireMatchingKey() throws PkiException, GeneralSecurityException {
    var s = java.security.Signature.getInstance("Ed25519");
    s.initSign(key.getPrivate());
    byte[] probe = "cohort-ca-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    s.update(probe);
    byte[] sig = s.sign();
    s.initVerify(certificate.getPublicKey());
    s.update(probe);
    if (!s.verify(sig)) {
      throw new PkiException("the CA key does not belong to the CA certificate " + certificate.getSubjectX500Principal());
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Issues the node certificate for {@code request}: subject and key exactly as requested,
   * client-authentication only, valid from now (less five minutes of clock skew) for
   * {@code validity}, capped at the CA's own expiry.
   *
   * @param expectedNodeId the node id this request was approved for; must equal the request's CN
   */
  public X509Certificate issueNode(CertificationRequest request, String expectedNodeId, Duration validity) throws PkiException {
    if (!request.nodeId().equals(expectedNodeId)) {
      throw new PkiException("certificate request is for node '" + request.nodeId() + "', not '" + expectedNodeId + "'");
    }
    checkValidity(validity, "certificate validity");
    try {
      Instant now = clock.instant();
      Instant notAfter = min(now.plus(validity), certificate.getNotAfter().toInstant());
      return X509Codec.certificate(issuer(), key.getPrivate(), key.getPublic(), X509Codec.cn(request.nodeId()),
          NodeKey.jdkPublic(request.publicKey()), serial(), now.minus(CLOCK_SKEW), notAfter, X509Codec.Role.NODE_CLIENT,
          List.of(), List.of());
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot issue the certificate for node '" + expectedNodeId + "': " + e.getMessage(), e);
    }
  }

  /**
   * Issues the coordinator's TLS server certificate for a fresh Ed25519 key and writes key and
   * chain (server, CA) to a PKCS#12 key store created 0600.
   *
   * @param dnsNames host names nodes dial (e.g. {@code coordinator.example.org}, {@code localhost})
   * @param ipAddresses IP literals nodes dial (e.g. {@code 127.0.0.1})
   */
  public X509Certificate issueServer(Path keyStore, char[] storePassword, List<String> dnsNames, List<String> ipAddresses,
      Duration validity) throws PkiException, IOException {
    if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
      throw new PkiException("the server certificate needs at least one host name or IP address");
    }
    checkValidity(validity, "server certificate validity");
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, RANDOM);
      KeyPair kp = g.generateKeyPair();
      Instant now = clock.instant();
      X509Certificate cert = X509Codec.certificate(issuer(), key.getPrivate(), key.getPublic(),
          X509Codec.cn("cohort-coordinator"), kp.getPublic(), serial(), now.minus(CLOCK_SKEW),
          min(now.plus(validity), certificate.getNotAfter().toInstant()), X509Codec.Role.SERVER, dnsNames, ipAddresses);
      TlsMaterial.writeKeyStore(keyStore, storePassword, kp.getPrivate(), List.of(cert, certificate));
      return cert;
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot issue the server certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Issue 21 #1: issues the coordinator's TLS server certificate for the key in {@code request}
   * (made on the coordinator, {@code cohort pki server-request}), so that the server key never leaves
   * the coordinator and the CA key never comes to it. Names come from the CA operator, not the request.
   */
  public X509Certificate issueServer(CertificationRequest request, List<String> dnsNames, List<String> ipAddresses,
      Duration validity) throws PkiException {
    if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
      throw new PkiException("the server certificate needs at least one host name or IP address");
    }
    checkValidity(validity, "server certificate validity");
    try {
      Instant now = clock.instant();
      return X509Codec.certificate(issuer(), key.getPrivate(), key.getPublic(), X509Codec.cn(request.nodeId()),
          NodeKey.jdkPublic(request.publicKey()), serial(), now.minus(CLOCK_SKEW),
          min(now.plus(validity), certificate.getNotAfter().toInstant()), X509Codec.Role.SERVER, dnsNames, ipAddresses);
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot issue the server certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Issue 21 #5: issues the admin API's HTTPS certificate (CN {@code cohort-coordinator-https}) for an
   * ECDSA P-256 key: browsers accept no Ed25519 certificate, so the admin API's serving key is not the
   * coordinator's gRPC key. Names as for {@link #issueServer(CertificationRequest, List, List, Duration)}.
   */
  public X509Certificate issueHttps(java.security.PublicKey servingKey, List<String> dnsNames, List<String> ipAddresses,
      Duration validity) throws PkiException {
    HttpsCertificate.requireP256(servingKey, "the HTTPS key");
    if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
      throw new PkiException("the HTTPS certificate needs at least one host name or IP address");
    }
    checkValidity(validity, "HTTPS certificate validity");
    try {
      Instant now = clock.instant();
      return X509Codec.certificate(issuer(), key.getPrivate(), key.getPublic(), X509Codec.cn(HttpsCertificate.SUBJECT),
          servingKey, serial(), now.minus(CLOCK_SKEW), min(now.plus(validity), certificate.getNotAfter().toInstant()),
          X509Codec.Role.SERVER, dnsNames, ipAddresses);
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot issue the HTTPS certificate: " + e.getMessage(), e);
    }
  }

  /** A CRL listing {@code revokedSerials}, valid until {@code nextUpdate} from now. */
  public RevocationList revocationList(Collection<BigInteger> revokedSerials, BigInteger number, Duration nextUpdate)
      throws PkiException {
    try {
      Instant now = clock.instant();
      X509CRL crl = X509Codec.crl(issuer(), key.getPrivate(), key.getPublic(), revokedSerials, now, now.plus(nextUpdate), number);
      return RevocationList.verified(crl.getEncoded(), certificate);
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot sign the revocation list: " + e.getMessage(), e);
    }
  }

  private X500Name issuer() {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  private static BigInteger serial() {
    // RFC 5280 4.1.2.2: positive, at most 20 octets; 127 random bits never collide in practice.
    return new BigInteger(127, RANDOM).setBit(0);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static void checkValidity(Duration d, String what) throws PkiException {
    if (d == null || d.compareTo(MIN_VALIDITY) < 0 || d.compareTo(MAX_VALIDITY) > 0) {
      throw new PkiException(what + " must be between 1 minute and 3650 days, got " + d);
    }
  }

  @Override
  public String toString() {
    return "FederationCa[" + certificate.getSubjectX500Principal().getName() + "]";
  }
}
