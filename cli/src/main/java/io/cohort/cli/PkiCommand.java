package io.cohort.cli;

import io.cohort.coordinator.pki.PkiFiles;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort pki init|server-request|issue|install|revoke|crl|server-cert}: the federation CA.
 *
 * <p>Issue 21 #1: by default the CA is <em>offline</em>: {@code pki init --ca-dir DIR} writes it to its
 * own directory, meant for a machine other than the coordinator, its key encrypted under a passphrase
 * ({@link CaPassphrase}: a file, {@code $COHORT_CA_PASSPHRASE} or a prompt, never an argument). Every
 * certificate is signed there from a request made where its key lives ({@code pki issue --csr}); the
 * coordinator holds only its own certificate, the CA certificate and the CRL ({@code pki install}).
 * The all-in-one mode ({@code pki init --dev-ca --data-dir}), with the CA key beside the coordinator,
 * stays for the simulator and development, with a warning.
 */
@Command(name = "pki", mixinStandardHelpOptions = true, description = "The federation's certificate authority.",
    subcommands = {PkiCommand.Init.class, PkiCommand.ServerRequest.class, PkiCommand.Issue.class,
        PkiCommand.Install.class, PkiCommand.Revoke.class, PkiCommand.Crl.class, PkiCommand.ServerCert.class})
public final class PkiCommand {
  static final String DEV_CA_WARNING = "DEVELOPMENT CA: the CA key is in the coordinator's data directory, so whoever"
      + " runs the coordinator can mint node certificates for any name; for a real federation keep the CA offline"
      + " (cohort pki init --ca-dir DIR on another machine; docs/operations.md)";

  private PkiCommand() {}

  public static Path pkiDir(Path dataDir) {
    return dataDir.resolve("pki");
  }

  /**
   * Before {@code cohort serve}: in the default mutual-TLS mode the PKI must exist, otherwise
   * the gRPC server would fail to start with a bare NoSuchFileException.
   */
  /** Whether {@code quarkus.profile} (a -D setting or $QUARKUS_PROFILE) names the plaintext-dev profile. */
  static boolean developmentProfile(List<String> properties, java.util.Map<String, String> environment) {
    String env = environment.get("QUARKUS_PROFILE");
    return (env != null && env.contains("plaintext-dev"))
        || properties.stream().anyMatch(p -> p.startsWith("quarkus.profile=") && p.contains("plaintext-dev"));
  }

  static void requireInitialised(Path dataDir, List<String> properties) throws CliException {
    boolean dev = developmentProfile(properties, System.getenv());
    Path store = pkiDir(dataDir).resolve(PkiFiles.SERVER_KEY_STORE);
    if (!dev && !Files.isRegularFile(store)) {
      throw new CliException(CliException.USAGE, "mutual TLS needs the federation PKI, and " + store + " does not exist:"
          + " install it from the offline CA (cohort pki server-request --data-dir " + dataDir + ", sign the request on"
          + " the CA machine, then cohort pki install --data-dir " + dataDir + "; docs/operations.md), or for"
          + " development `cohort pki init --dev-ca --data-dir " + dataDir + "` (or -Dquarkus.profile=plaintext-dev)");
    }
  }

  /** Where the CA is: {@code --ca-dir} (offline CA), else a development CA in {@code <data-dir>/pki}. */
  static final class CaLocation {
    @Option(names = "--ca-dir", paramLabel = "DIR", description = "The offline CA's directory (on the CA machine).")
    Path caDir;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Development CA only: the coordinator's data"
        + " directory whose pki/ holds the CA key (cohort pki init --dev-ca).")
    Path dataDir;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Offline CA: read the key's passphrase from"
        + " the first line of FILE (else $COHORT_CA_PASSPHRASE_FILE, $COHORT_CA_PASSPHRASE, or a prompt).")
    Path passphraseFile;

    Path dir() throws CliException {
      if ((caDir == null) == (dataDir == null)) {
        throw new CliException(CliException.USAGE, "give exactly one of --ca-dir DIR (the offline CA) or --data-dir DIR"
            + " (a development CA on the coordinator)");
      }
      return caDir != null ? caDir : pkiDir(dataDir);
    }

    FederationCa load() throws CliException, PkiException {
      Path dir = dir();
      if (!Files.exists(dir.resolve(FederationCa.KEY_FILE))) {
        throw new CliException(CliException.USAGE, dir.resolve(FederationCa.KEY_FILE) + " does not exist: "
            + (caDir != null ? "run `cohort pki init --ca-dir " + caDir + "` on the CA machine first"
                : "this coordinator has no CA key (the CA is offline: use --ca-dir on the CA machine)"));
      }
      if (caDir == null) {
        System.err.println("cohort: warning: " + DEV_CA_WARNING);
      }
      CaPassphrase.useFile(passphraseFile);
      char[] pass = FederationCa.isProtected(dir) ? CaPassphrase.read(false) : new char[0];
      return FederationCa.load(dir, Clock.systemUTC(), () -> pass);
    }

    /** The offline CA's directory; revocation lists are signed there (a development CA's by the coordinator). */
    Path offlineDir() throws CliException {
      if (caDir == null) {
        throw new CliException(CliException.USAGE, "give --ca-dir DIR, the offline CA's directory (a development CA's"
            + " revocation list is signed by the coordinator itself: GET /api/v1/pki/crl)");
      }
      return caDir;
    }

    /** Records what an offline CA signed (a development CA's issuance is recorded by the coordinator). */
    void recordIssued(String subject, X509Certificate cert) throws IOException {
      if (caDir != null) {
        new io.cohort.coordinator.pki.CaRecords(caDir).issued(subject, cert);
      }
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create the federation CA. By default an offline CA: --ca-dir DIR, on a machine other than the"
          + " coordinator, its key encrypted under a passphrase (--passphrase-file, $COHORT_CA_PASSPHRASE or a prompt).",
          "--dev-ca --data-dir DIR: the all-in-one development mode (CA key beside the coordinator, unencrypted, and the"
              + " coordinator's TLS certificate); for the simulator and development only."})
  static final class Init implements Callable<Integer> {
    @Option(names = "--ca-dir", paramLabel = "DIR", description = "Where the offline CA is written (created 0700).")
    Path caDir;

    @Option(names = "--dev-ca", description = "Development only: put the CA in <data-dir>/pki beside the coordinator.")
    boolean devCa;

    @Option(names = "--data-dir", description = "With --dev-ca: the coordinator's data directory.")
    Path dataDir;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Offline CA: read the key's passphrase from"
        + " the first line of FILE (else $COHORT_CA_PASSPHRASE, else a prompt).")
    Path passphraseFile;

    @Option(names = "--name", defaultValue = "Cohort federation CA", description = "The CA's name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--server-name", paramLabel = "HOST|IP", description = "With --dev-ca: a host name or IP address"
        + " nodes use to reach the gRPC port; repeatable (localhost and 127.0.0.1 are always included).")
    List<String> serverNames = new ArrayList<>();

    @Option(names = "--validity-days", defaultValue = "3650", description = "CA validity (default: ${DEFAULT-VALUE}).")
    int validityDays;

    @Option(names = "--if-missing", description = "Do nothing (exit 0) when the CA already exists; for container entrypoints.")
    boolean ifMissing;

    @Override
    public Integer call() throws Exception {
      if (devCa == (caDir != null)) {
        throw new CliException(CliException.USAGE, "give --ca-dir DIR (the offline CA, on a machine other than the"
            + " coordinator) or, for development only, --dev-ca --data-dir DIR");
      }
      return devCa ? dev() : offline();
    }

    private int offline() throws Exception {
      if (ifMissing && Files.exists(caDir.resolve(FederationCa.KEY_FILE))) {
        System.out.println("federation CA exists in " + caDir + "; nothing to do");
        return 0;
      }
      CaPassphrase.useFile(passphraseFile);
      try {
        char[] pass = CaPassphrase.read(true);
        FederationCa ca = FederationCa.initOffline(caDir, name, Duration.ofDays(validityDays), Clock.systemUTC(), pass);
        java.util.Arrays.fill(pass, '\0');
        System.out.println("offline federation CA created in " + caDir + ": ca.key (encrypted, mode 0600; keep this"
            + " directory on the CA machine and back it up offline), ca.crt (give it to the coordinator and every node)");
        System.out.println("CA fingerprint (SHA-256): " + TlsMaterial.fingerprint(ca.certificate()));
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }

    private int dev() throws Exception {
      Path dir = pkiDir(dataDir == null ? Path.of("cohort-data") : dataDir);
      if (ifMissing && Files.exists(dir.resolve(FederationCa.KEY_FILE))) {
        System.out.println("federation CA exists in " + dir + "; nothing to do");
        return 0;
      }
      try {
        X509Certificate ca = PkiFiles.init(dir, name, serverNames, Duration.ofDays(validityDays), Clock.systemUTC());
        System.err.println("cohort: warning: " + DEV_CA_WARNING);
        System.out.println("development federation CA created in " + dir + " (ca.key is mode 0600)");
        System.out.println("CA fingerprint (SHA-256): " + TlsMaterial.fingerprint(ca));
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }

  @Command(name = "server-request", mixinStandardHelpOptions = true,
      description = "On the coordinator: make its TLS key (<data-dir>/pki/coordinator.key, 0600) and a certificate"
          + " request for the offline CA to sign (cohort pki issue --server).")
  static final class ServerRequest implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cohort-data", description = "The coordinator's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the request (default: <data-dir>/pki/coordinator.csr).")
    Path out;

    @Override
    public Integer call() throws Exception {
      Path csr = out != null ? out : pkiDir(dataDir).resolve(PkiFiles.SERVER_CSR);
      try {
        var r = PkiFiles.serverRequest(pkiDir(dataDir), csr);
        System.out.println("coordinator keys in " + pkiDir(dataDir).resolve(PkiFiles.SERVER_KEY) + " and "
            + PkiFiles.HTTPS_KEY + " (admin API; 0600, they stay here);"
            + " certificate request written to " + csr);
        System.out.println("certificate request fingerprint: " + r.fingerprint());
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = {"On the CA machine: sign a certificate request into a directory to carry back.",
          "--node ID --csr FILE: a node's request (from `cohort-node enroll --csr-out`, or `cohort node csr`);"
              + " --fingerprint checks it is the request its operator read out.",
          "--server --csr FILE --server-name HOST: the coordinator's request (cohort pki server-request).",
          "--generate-key (development CA only): make the node's key here instead (the kit then holds a secret)."})
  static final class Issue implements Callable<Integer> {
    @picocli.CommandLine.Mixin CaLocation location = new CaLocation();

    @Option(names = "--node", description = "The node id the certificate names.")
    String node;

    @Option(names = "--server", description = "Sign the coordinator's TLS server certificate.")
    boolean server;

    @Option(names = "--server-name", paramLabel = "HOST|IP", description = "With --server: a host name or IP address"
        + " nodes and admins use to reach the coordinator; repeatable (localhost and 127.0.0.1 are always included).")
    List<String> serverNames = new ArrayList<>();

    @Option(names = "--csr", paramLabel = "FILE", description = "The PEM certificate request.")
    Path csr;

    @Option(names = "--fingerprint", paramLabel = "FP", description = "The request's fingerprint as its operator read"
        + " it out; the request is refused when it differs.")
    String fingerprint;

    @Option(names = "--generate-key", description = "Development CA only: generate the node's identity key here.")
    boolean generateKey;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The directory to write.")
    Path out;

    @Option(names = "--validity-days", defaultValue = "365", description = "Certificate validity (default: ${DEFAULT-VALUE}).")
    int validityDays;

    @Override
    public Integer call() throws Exception {
      if (server == (node != null)) {
        throw new CliException(CliException.USAGE, "give exactly one of --node ID or --server");
      }
      if ((csr == null) == !generateKey || (server && generateKey)) {
        throw new CliException(CliException.USAGE, "give --csr FILE" + (server ? "" : " (or, with a development CA,"
            + " --generate-key)"));
      }
      if (generateKey && location.caDir != null) {
        throw new CliException(CliException.USAGE, "--generate-key would put a node's key on the CA machine; make the"
            + " key on the node (cohort-node enroll --csr-out) and sign its --csr");
      }
      try {
        FederationCa ca = location.load();
        CertificationRequest request;
        java.security.PublicKey httpsKey = null;
        if (generateKey) {
          request = CertificationRequest.create(node, NodeKey.loadOrCreate(out.resolve(node + ".identity.key")));
        } else {
          if (server && !Files.isReadable(csr)) {
            throw new CliException(CliException.USAGE, csr + ": no such file, or it cannot be read");
          }
          List<byte[]> blocks = server ? Pem.decodeAll(Files.readString(csr, StandardCharsets.US_ASCII),
              "CERTIFICATE REQUEST") : List.of(Pem.readOne(csr, "CERTIFICATE REQUEST"));
          if (blocks.isEmpty() || blocks.size() > 2) {
            throw new CliException(CliException.USAGE, csr + ": expected the coordinator's request (and its HTTPS"
                + " request) from `cohort pki server-request`, found " + blocks.size() + " PEM request blocks");
          }
          request = CertificationRequest.parse(blocks.get(0));
          httpsKey = blocks.size() == 2 ? io.cohort.crypto.pki.HttpsCertificate.parseRequest(blocks.get(1)) : null;
        }
        if (fingerprint != null && !request.fingerprint().equals(
            fingerprint.toLowerCase(java.util.Locale.ROOT).replace(":", "").replaceFirst("^sha256", ""))) {
          throw new CliException(CliException.INTEGRITY, csr + ": the request's fingerprint is " + request.fingerprint()
              + ", not " + fingerprint + " as its operator read it out; refusing to sign");
        }
        if (server) {
          List<List<String>> names = PkiFiles.serverNames(serverNames);
          X509Certificate cert = ca.issueServer(request, names.get(0), names.get(1), Duration.ofDays(validityDays));
          location.recordIssued(PkiFiles.SERVER_SUBJECT, cert);
          Pem.writePublic(out.resolve(PkiFiles.SERVER_SUBJECT.replace("cohort-", "") + ".crt"),
              Pem.certificates(List.of(cert, ca.certificate())).getBytes(StandardCharsets.US_ASCII));
          Pem.writePublic(out.resolve("ca.crt"), Pem.certificates(List.of(ca.certificate())).getBytes(StandardCharsets.US_ASCII));
          String https = "";
          if (httpsKey != null) {
            // Issue 21 #5: the admin API's certificate, same names, for the coordinator's ECDSA key.
            X509Certificate h = ca.issueHttps(httpsKey, names.get(0), names.get(1), Duration.ofDays(validityDays));
            location.recordIssued(io.cohort.crypto.pki.HttpsCertificate.SUBJECT, h);
            Pem.writePublic(out.resolve(PkiFiles.HTTPS_CERT),
                Pem.certificates(List.of(h, ca.certificate())).getBytes(StandardCharsets.US_ASCII));
            https = " --https-cert " + PkiFiles.HTTPS_CERT;
          }
          System.out.println("coordinator certificate in " + out.resolve("coordinator.crt")
              + (httpsKey != null ? " and its admin API (HTTPS) certificate in " + out.resolve(PkiFiles.HTTPS_CERT) : "")
              + " for " + names.get(0) + " " + names.get(1) + ", valid until " + cert.getNotAfter().toInstant()
              + "; with ca.crt, install them on the coordinator: cohort pki install --data-dir DIR --ca-cert ca.crt"
              + " --server-cert coordinator.crt" + https);
          return 0;
        }
        X509Certificate cert = ca.issueNode(request, node, Duration.ofDays(validityDays));
        location.recordIssued(node, cert);
        writeKit(out, node, cert, ca.certificate(), generateKey);
        System.out.println("startup kit for node " + node + " in " + out + ": " + node + ".crt valid until "
            + cert.getNotAfter().toInstant() + ", ca.crt" + (generateKey ? ", " + node + ".identity.key (secret)" : ""));
        System.out.println("certificate request fingerprint: " + request.fingerprint());
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }

  @Command(name = "install", mixinStandardHelpOptions = true,
      description = "On the coordinator: install what the offline CA signed: the CA certificate, the coordinator's"
          + " certificate (for the key `pki server-request` made) and the revocation list. Restart the coordinator"
          + " after a new certificate; a new CRL is read at its next use.")
  static final class Install implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cohort-data", description = "The coordinator's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "The federation CA certificate (ca.crt).")
    Path caCert;

    @Option(names = "--server-cert", paramLabel = "FILE", description = "The coordinator's certificate (coordinator.crt).")
    Path serverCert;

    @Option(names = "--https-cert", paramLabel = "FILE", description = "The admin API's HTTPS certificate (https.crt,"
        + " from pki issue --server), for the key `pki server-request` made.")
    Path httpsCert;

    @Option(names = "--crl", paramLabel = "FILE", description = "The CA's revocation list (ca.crl, from pki crl or pki revoke).")
    Path crl;

    @Override
    public Integer call() throws Exception {
      if (caCert == null && serverCert == null && httpsCert == null && crl == null) {
        throw new CliException(CliException.USAGE, "give at least one of --ca-cert, --server-cert, --https-cert, --crl");
      }
      try {
        PkiFiles.install(pkiDir(dataDir), caCert, serverCert, httpsCert, crl);
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
      System.out.println("installed in " + pkiDir(dataDir) + ":" + (caCert != null ? " ca.crt" : "")
          + (serverCert != null ? " coordinator.p12 (key and certificate)" : "")
          + (httpsCert != null ? " " + PkiFiles.HTTPS_CERT : "") + (crl != null ? " ca.crl" : "")
          + "; the CA key is not on this machine");
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "On the CA machine: revoke every certificate this CA issued to a node (or one serial) and sign a"
          + " new ca.crl; install it on the coordinator (cohort pki install --crl), which relays it to every node.")
  static final class Revoke implements Callable<Integer> {
    @picocli.CommandLine.Mixin CaLocation at = new CaLocation();

    @Option(names = "--node", description = "The node whose certificates to revoke.")
    String node;

    @Option(names = "--serial", paramLabel = "HEX", description = "One certificate's serial number (hex).")
    String serial;

    @Option(names = "--next-update-days", defaultValue = "30", description = "Validity of the new CRL (default: ${DEFAULT-VALUE}).")
    int nextUpdateDays;

    @Override
    public Integer call() throws Exception {
      if ((node == null) == (serial == null)) {
        throw new CliException(CliException.USAGE, "give exactly one of --node ID or --serial HEX");
      }
      Path caDir = at.offlineDir();
      try {
        FederationCa ca = at.load();
        List<String> added = new io.cohort.coordinator.pki.CaRecords(caDir).revoke(node, serial);
        var crl = new io.cohort.coordinator.pki.CaRecords(caDir).signCrl(ca, Duration.ofDays(nextUpdateDays));
        System.out.println("revoked " + (added.isEmpty() ? "nothing new" : "serial(s) " + String.join(", ", added))
            + "; " + caDir.resolve(io.cohort.coordinator.pki.CaRecords.CRL_FILE) + " lists " + crl.serials().size()
            + "; install it on the coordinator: cohort pki install --data-dir DIR --crl ca.crl (and `cohort node revoke "
            + (node == null ? "NODE" : node) + "` there ends its session at once)");
        return 0;
      } catch (PkiException | NumberFormatException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }

  @Command(name = "crl", mixinStandardHelpOptions = true,
      description = "On the CA machine: sign a fresh ca.crl of every revoked serial (before the last one expires).")
  static final class Crl implements Callable<Integer> {
    @picocli.CommandLine.Mixin CaLocation at = new CaLocation();

    @Option(names = "--next-update-days", defaultValue = "30", description = "Validity of the CRL (default: ${DEFAULT-VALUE}).")
    int nextUpdateDays;

    @Override
    public Integer call() throws Exception {
      Path caDir = at.offlineDir();
      try {
        var crl = new io.cohort.coordinator.pki.CaRecords(caDir).signCrl(at.load(), Duration.ofDays(nextUpdateDays));
        System.out.println(caDir.resolve(io.cohort.coordinator.pki.CaRecords.CRL_FILE) + " signed: " + crl.serials().size()
            + " revoked serial(s), valid " + nextUpdateDays + " days; install it: cohort pki install --data-dir DIR --crl ca.crl");
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }

  public static void writeKit(Path out, String node, X509Certificate cert, X509Certificate ca, boolean withKey) throws IOException {
    Pem.writePublic(out.resolve(node + ".crt"), Pem.certificates(List.of(cert, ca)).getBytes(StandardCharsets.US_ASCII));
    Pem.writePublic(out.resolve("ca.crt"), Pem.certificates(List.of(ca)).getBytes(StandardCharsets.US_ASCII));
    Pem.writePublic(out.resolve("README.txt"), ("Startup kit for Cohort node " + node + ".\n"
        + "Copy " + node + ".crt and ca.crt" + (withKey ? " and " + node + ".identity.key (keep it 0600)" : "")
        + " next to the node's node.yaml (or point 'certificate', 'ca_certificate' and 'identity_key' at them).\n"
        + "CA fingerprint (SHA-256): " + TlsMaterial.fingerprint(ca) + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  @Command(name = "server-cert", mixinStandardHelpOptions = true,
      description = "Development CA only: re-issue the coordinator's TLS certificate (rotation, or new host names);"
          + " restart the coordinator after. With an offline CA: pki server-request, pki issue --server, pki install.")
  static final class ServerCert implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cohort-data", description = "The coordinator's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--server-name", paramLabel = "HOST|IP", description = "Host name or IP address; repeatable.")
    List<String> serverNames = new ArrayList<>();

    @Option(names = "--validity-days", defaultValue = "825", description = "Validity (default: ${DEFAULT-VALUE}).")
    int validityDays;

    @Override
    public Integer call() throws Exception {
      try {
        FederationCa ca = FederationCa.load(pkiDir(dataDir), Clock.systemUTC());
        X509Certificate c = PkiFiles.issueServer(ca, pkiDir(dataDir), serverNames, Duration.ofDays(validityDays));
        PkiFiles.issueHttps(ca, pkiDir(dataDir), serverNames, Duration.ofDays(validityDays));
        System.out.println("coordinator certificates (gRPC and HTTPS) re-issued, valid until " + c.getNotAfter().toInstant()
            + "; restart the coordinator to use it");
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }
}
