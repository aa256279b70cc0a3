package io.cohort.cli;

import io.cohort.coordinator.pki.PkiFiles;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.HttpsCertificate;
import io.cohort.crypto.pki.PkiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Issue 21 #5: before {@code cohort serve} starts the coordinator, checks the admin API's HTTPS
 * certificate and key ({@code cohort.https.certificate}, {@code cohort.https.key}), so that a missing
 * or unreadable file, a key that does not match, or an expired certificate is one line naming the file
 * and its setting, not the HTTP server's stack trace.
 */
final class HttpsPreflight {
  static final String CERTIFICATE = "cohort.https.certificate";
  static final String KEY = "cohort.https.key";

  private HttpsPreflight() {}

  /** Checks unless the development profile serves plain HTTP. */
  static void check(Path dataDir, List<String> properties, Map<String, String> env, Instant now) throws CliException {
    if (PkiCommand.developmentProfile(properties, env)) {
      return;
    }
    String pkiDir = setting(properties, env, "cohort.tls.pki-dir");
    Path pki = pkiDir != null ? Path.of(pkiDir) : PkiCommand.pkiDir(dataDir);
    String cert = setting(properties, env, CERTIFICATE);
    String key = setting(properties, env, KEY);
    Path certFile = cert != null ? Path.of(cert) : pki.resolve(PkiFiles.HTTPS_CERT);
    Path keyFile = key != null ? Path.of(key) : pki.resolve(PkiFiles.HTTPS_KEY);
    if (cert == null && key == null && !Files.exists(certFile)) {
      throw new CliException(CliException.USAGE, "the admin API serves HTTPS and " + certFile + " (" + CERTIFICATE
          + ") does not exist: " + howToIssue(dataDir, pki) + "; or give the organisation's certificate and key with"
          + " -D" + CERTIFICATE + "=FILE -D" + KEY + "=FILE (PEM); plain HTTP only with -Dquarkus.profile=plaintext-dev");
    }
    try {
      HttpsCertificate.check(certFile, CERTIFICATE, keyFile, KEY, now);
    } catch (PkiException e) {
      throw new CliException(CliException.USAGE, e.getMessage());
    }
  }

  private static String howToIssue(Path dataDir, Path pki) {
    if (Files.exists(pki.resolve(FederationCa.KEY_FILE))) {
      return "issue it with the development CA: cohort pki server-cert --data-dir " + dataDir;
    }
    return "make its key and request with `cohort pki server-request --data-dir " + dataDir + "`, sign the request on the"
        + " CA machine (cohort pki issue --server) and install https.crt (cohort pki install --https-cert https.crt)";
  }

  /** The last {@code -Dname=value}, else the environment variable Quarkus maps to {@code name}. */
  static String setting(List<String> properties, Map<String, String> env, String name) {
    String value = null;
    for (String p : properties) {
      if (p.startsWith(name + "=")) {
        value = p.substring(name.length() + 1);
      }
    }
    if (value == null) {
      value = env.get(name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
    }
    return value == null || value.isBlank() ? null : value.strip();
  }
}
