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
    issueServer(ca, dir, serverNames, caValidity.compareTo(Duration.ofDays(825)) < 0 ? caValidity : Duration.ofDays(825));
    TlsMaterial.writeTrustStore(dir.resolve(TRUST_STORE), STORE_PASSWORD.toCharArray(), ca.certificate());
    return ca.certificate();
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

  static boolean isIpLiteral(String s) {
    return s.matches("[0-9.]+") || s.contains(":");
  }
}
