package io.cohort.coordinator.pki;

import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The coordinator's PKI directory ({@code <data-dir>/pki} by default): {@code ca.key} (0600),
 * {@code ca.crt}, the gRPC server's key store {@code coordinator.p12} (0600) and the trust store
 * {@code ca-truststore.p12} that the gRPC server checks client certificates against.
 *
 * <p>The PKCS#12 passwords are fixed and not secret: the key store is protected by its 0600 file
 * mode, like {@code ca.key}; the password exists only because the server's configuration
 * requires one. The trust store holds only the public CA certificate.
 */
public final class PkiFiles {
  public static final String SERVER_KEY_STORE = "coordinator.p12";
  public static final String TRUST_STORE = "ca-truststore.p12";
  public static final String STORE_PASSWORD = "cohort-pki";
  /** Issue 21 #1, offline CA: the coordinator's own TLS key (0600), made here, and its request for the CA. */
  public static final String SERVER_KEY = "coordinator.key";
  public static final String SERVER_CSR = "coordinator.csr";
  /** The subject of the coordinator's certificate. */
  public static final String SERVER_SUBJECT = "cohort-coordinator";
  /**
   * Issue 21 #5: the admin API's HTTPS key (ECDSA P-256, 0600, PKCS#8 PEM) and its certificate chain
   * (PEM, leaf then CA), which the HTTP server reads; defaults of cohort.https.key/certificate.
   */
  public static final String HTTPS_KEY = "https.key";
  public static final String HTTPS_CERT = "https.crt";
  /** The CA-signed revocation list the operator installs from the offline CA; relayed to nodes and served. */
  public static final String CRL_FILE = "ca.crl";

  private PkiFiles() {}

  /**
   * Creates the federation CA and the coordinator's server certificate in {@code dir}.
   *
   * @param serverNames host names and IP addresses nodes use to reach the gRPC port; localhost
   *     and 127.0.0.1 are always included
   */
  public static X509Certificate init(Path dir, String federationName, List<String> serverNames, Duration caValidity,
      Clock clock) throws PkiException, IOException {
    FederationCa ca = FederationCa.init(dir, federationName, caValidity, clock);
    Duration serverValidity = caValidity.compareTo(Duration.ofDays(825)) < 0 ? caValidity : Duration.ofDays(825);
    issueServer(ca, dir, serverNames, serverValidity);
    issueHttps(ca, dir, serverNames, serverValidity);
    TlsMaterial.writeTrustStore(dir.resolve(TRUST_STORE), STORE_PASSWORD.toCharArray(), ca.certificate());
    return ca.certificate();
  }

  /** Host names and IP literals of a server certificate: localhost and 127.0.0.1 always, then {@code serverNames}. */
  public static List<List<String>> serverNames(List<String> serverNames) {
    List<String> dns = new ArrayList<>(List.of("localhost"));
    List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
    for (String n : serverNames) {
      String s = n.strip();
      if (s.isEmpty()) {
        continue;
      }
      List<String> target = isIpLiteral(s) ? ips : dns;
      if (!target.contains(s)) {
        target.add(s);
      }
    }
    return List.of(dns, ips);
  }

  /** (Re)issues the coordinator's server certificate, e.g. to add a host name or before it expires. */
  public static X509Certificate issueServer(FederationCa ca, Path dir, List<String> serverNames, Duration validity)
      throws PkiException, IOException {
    List<String> dns = new ArrayList<>(List.of("localhost"));
    List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
    for (String n : serverNames) {
      String s = n.strip();
      if (s.isEmpty()) {
        continue;
      }
      List<String> target = isIpLiteral(s) ? ips : dns;
      if (!target.contains(s)) {
        target.add(s);
      }
    }
    return ca.issueServer(dir.resolve(SERVER_KEY_STORE), STORE_PASSWORD.toCharArray(), dns, ips, validity);
  }

  /**
   * (Re)issues the admin API's HTTPS certificate for the key in {@code https.key} (made here when
   * absent), with the same names as the gRPC certificate; a development CA does this itself.
   */
  public static X509Certificate issueHttps(FederationCa ca, Path dir, List<String> serverNames, Duration validity)
      throws PkiException, IOException {
    List<List<String>> names = serverNames(serverNames);
    java.security.KeyPair key = io.cohort.crypto.pki.HttpsCertificate.loadOrCreate(dir.resolve(HTTPS_KEY));
    X509Certificate cert = ca.issueHttps(key.getPublic(), names.get(0), names.get(1), validity);
    io.cohort.crypto.pki.Pem.writePublic(dir.resolve(HTTPS_CERT),
        io.cohort.crypto.pki.Pem.certificates(List.of(cert, ca.certificate())).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return cert;
  }

  /**
   * Whether {@code dir} is a coordinator PKI without the CA key (issue 21 #1: the default, offline
   * CA): the coordinator holds only its certificate, the CA certificate and the CRL.
   */
  public static boolean isOfflineCa(Path dir) {
    return !java.nio.file.Files.exists(dir.resolve(FederationCa.KEY_FILE))
        && java.nio.file.Files.isRegularFile(dir.resolve(FederationCa.CERT_FILE));
  }

  /**
   * Step 1 on the coordinator: makes its TLS key ({@code coordinator.key}, 0600, kept if present)
   * and writes the certificate request the offline CA signs. Returns the request.
   */
  public static io.cohort.crypto.pki.CertificationRequest serverRequest(Path dir, Path csrOut)
      throws PkiException, IOException {
    io.cohort.crypto.keys.OwnerOnly.createDirectories(dir.toAbsolutePath());
    var key = io.cohort.crypto.pki.NodeKey.loadOrCreate(dir.resolve(SERVER_KEY));
    var request = io.cohort.crypto.pki.CertificationRequest.create(SERVER_SUBJECT, key);
    // Issue 21 #5: the admin API's ECDSA key is made here too, and its request travels in the same
    // file (a second PEM block), so the CA operator signs both with one `cohort pki issue --server`.
    var https = io.cohort.crypto.pki.HttpsCertificate.loadOrCreate(dir.resolve(HTTPS_KEY));
    io.cohort.crypto.pki.Pem.writePublic(csrOut, (request.toPem() + io.cohort.crypto.pki.HttpsCertificate.request(https))
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return request;
  }

  /**
   * Step 3 on the coordinator: installs what the offline CA produced: the CA certificate, the
   * coordinator's certificate (which must be signed by that CA and certify {@code coordinator.key})
   * and, optionally, the CA's revocation list. Writes {@code ca.crt}, the trust store and the
   * server key store. Any of the three may be null to keep what is installed (e.g. a new CRL only).
   */
  public static void install(Path dir, Path caCert, Path serverCert, Path crl) throws PkiException, IOException {
    install(dir, caCert, serverCert, null, crl);
  }

  /**
   * As {@link #install(Path, Path, Path, Path)}, and the admin API's HTTPS certificate chain
   * ({@code httpsCert}, from {@code cohort pki issue --server}), which must be signed by the CA and
   * certify {@code https.key}; written as {@code https.crt}.
   */
  public static void install(Path dir, Path caCert, Path serverCert, Path httpsCert, Path crl)
      throws PkiException, IOException {
    io.cohort.crypto.keys.OwnerOnly.createDirectories(dir.toAbsolutePath());
    if (java.nio.file.Files.exists(dir.resolve(FederationCa.KEY_FILE))) {
      throw new PkiException(dir.resolve(FederationCa.KEY_FILE) + " exists: this is a development CA on the"
          + " coordinator; install is for an offline CA (remove the development PKI deliberately first)");
    }
    X509Certificate ca;
    if (caCert != null) {
      ca = io.cohort.crypto.pki.Pem.readCertificates(caCert).get(0);
      if (ca.getBasicConstraints() < 0) {
        throw new PkiException(caCert + ": not a CA certificate");
      }
      io.cohort.crypto.pki.Pem.writePublic(dir.resolve(FederationCa.CERT_FILE),
          io.cohort.crypto.pki.Pem.certificates(List.of(ca)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      TlsMaterial.writeTrustStore(dir.resolve(TRUST_STORE), STORE_PASSWORD.toCharArray(), ca);
    } else {
      ca = io.cohort.crypto.pki.Pem.readCertificates(dir.resolve(FederationCa.CERT_FILE)).get(0);
    }
    if (serverCert != null) {
      X509Certificate leaf = io.cohort.crypto.pki.Pem.readCertificates(serverCert).get(0);
      try {
        leaf.verify(ca.getPublicKey());
      } catch (java.security.GeneralSecurityException e) {
        throw new PkiException(serverCert + ": not signed by the federation CA " + TlsMaterial.fingerprint(ca));
      }
      if (!java.nio.file.Files.isRegularFile(dir.resolve(SERVER_KEY))) {
        throw new PkiException(dir.resolve(SERVER_KEY) + " does not exist: run `cohort pki server-request` on this"
            + " coordinator first, and have the CA sign that request");
      }
      TlsMaterial.writeServerKeyStore(dir.resolve(SERVER_KEY_STORE), STORE_PASSWORD.toCharArray(),
          io.cohort.crypto.pki.NodeKey.loadOrCreate(dir.resolve(SERVER_KEY)), List.of(leaf, ca));
    }
    if (httpsCert != null) {
      installHttps(dir, ca, httpsCert);
    }
    if (crl != null) {
      var list = io.cohort.crypto.pki.RevocationList.read(crl, ca);
      io.cohort.crypto.pki.Pem.writePublic(dir.resolve(CRL_FILE), list.toPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
  }

  private static void installHttps(Path dir, X509Certificate ca, Path httpsCert) throws PkiException, IOException {
    X509Certificate leaf = io.cohort.crypto.pki.Pem.readCertificates(httpsCert).get(0);
    try {
      leaf.verify(ca.getPublicKey());
    } catch (java.security.GeneralSecurityException e) {
      throw new PkiException(httpsCert + ": not signed by the federation CA " + TlsMaterial.fingerprint(ca));
    }
    Path key = dir.resolve(HTTPS_KEY);
    if (!java.nio.file.Files.isRegularFile(key)) {
      throw new PkiException(key + " does not exist: run `cohort pki server-request` on this coordinator first, and"
          + " have the CA sign that request");
    }
    io.cohort.crypto.pki.HttpsCertificate.check(httpsCert, "--https-cert", key, "the coordinator's HTTPS key",
        java.time.Instant.now());
    io.cohort.crypto.pki.Pem.writePublic(dir.resolve(HTTPS_CERT),
        io.cohort.crypto.pki.Pem.certificates(List.of(leaf, ca)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  static boolean isIpLiteral(String s) {
    return s.matches("[0-9.]+") || s.contains(":");
  }
}
