package io.cohort.cli;

import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/**
 * Issue 21 #5 (the CLI's part): for an {@code https://} coordinator URL, the CLI checks the server's
 * certificate against the federation CA (and its host name, as the JDK does for HTTPS), never against
 * whatever the server presents: the CA certificate is {@code $COHORT_CA_CERTIFICATE}, else
 * {@code ca_certificate} in the CLI config, else {@code <data-dir>/pki/ca.crt} on the coordinator's
 * own machine. With none of them the JDK's default trust store applies (a certificate from a public
 * CA, e.g. on a reverse proxy). Plain {@code http://} is unchanged.
 */
public final class AdminTls {
  private AdminTls() {
  }

  /** The TLS context for {@code coordinator}, or null for plain HTTP or the JDK's defaults. */
  static SSLContext context(URI coordinator, CliConfig config, Path dataDir) throws CliException {
    if (coordinator == null || !"https".equalsIgnoreCase(coordinator.getScheme())) {
      return null;
    }
    Path ca = config.caCertificate() != null ? Path.of(config.caCertificate())
        : dataDir != null && Files.isRegularFile(dataDir.resolve("pki").resolve("ca.crt"))
            ? dataDir.resolve("pki").resolve("ca.crt") : null;
    if (ca == null) {
      return null;
    }
    return trusting(ca);
  }

  /** A TLS context that trusts exactly the CA certificate in {@code ca} (e.g. {@code <data-dir>/pki/ca.crt}). */
  public static SSLContext trusting(Path ca) throws CliException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, TlsMaterial.trusting(Pem.readCertificates(ca).get(0)), null);
      return ctx;
    } catch (PkiException e) {
      throw new CliException(CliException.USAGE, ca + ": " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new CliException(CliException.FAILED, "cannot set up TLS with the CA in " + ca + ": " + e.getMessage());
    }
  }
}
