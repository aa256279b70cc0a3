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
 * {@code cohort pki init|issue|server-cert}: the federation CA, run on the coordinator's machine
 * against its data directory. The CA key never leaves {@code <data-dir>/pki/ca.key} (0600).
 */
@Command(name = "pki", mixinStandardHelpOptions = true, description = "The federation's certificate authority.",
    subcommands = {PkiCommand.Init.class, PkiCommand.Issue.class, PkiCommand.ServerCert.class})
public final class PkiCommand {
  private PkiCommand() {}

  public static Path pkiDir(Path dataDir) {
    return dataDir.resolve("pki");
  }

  /**
   * Before {@code cohort serve}: in the default mutual-TLS mode the PKI must exist, otherwise
   * the gRPC server would fail to start with a bare NoSuchFileException.
   */
  static void requireInitialised(Path dataDir, List<String> properties) throws CliException {
    String env = System.getenv("QUARKUS_PROFILE");
    boolean dev = (env != null && env.contains("plaintext-dev"))
        || properties.stream().anyMatch(p -> p.startsWith("quarkus.profile=") && p.contains("plaintext-dev"));
    Path store = pkiDir(dataDir).resolve(PkiFiles.SERVER_KEY_STORE);
    if (!dev && !Files.isRegularFile(store)) {
      throw new CliException(CliException.USAGE, "mutual TLS needs the federation PKI, and " + store + " does not exist:"
          + " run `cohort pki init --data-dir " + dataDir + " --server-name HOST` first (development only:"
          + " -Dquarkus.profile=plaintext-dev)");
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create the federation CA and the coordinator's TLS certificate in <data-dir>/pki.")
  static final class Init implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cohort-data", description = "The coordinator's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--name", defaultValue = "Cohort federation CA", description = "The CA's name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--server-name", paramLabel = "HOST|IP", description = "A host name or IP address nodes use to reach"
        + " the gRPC port; repeatable (localhost and 127.0.0.1 are always included).")
    List<String> serverNames = new ArrayList<>();

    @Option(names = "--validity-days", defaultValue = "3650", description = "CA validity (default: ${DEFAULT-VALUE}).")
    int validityDays;

    @Option(names = "--if-missing", description = "Do nothing (exit 0) when the CA already exists; for container entrypoints.")
    boolean ifMissing;

    @Override
    public Integer call() throws Exception {
      Path dir = pkiDir(dataDir);
      if (ifMissing && Files.exists(dir.resolve(FederationCa.KEY_FILE))) {
        System.out.println("federation CA exists in " + dir + "; nothing to do");
        return 0;
      }
      try {
        X509Certificate ca = PkiFiles.init(dir, name, serverNames, Duration.ofDays(validityDays), Clock.systemUTC());
        System.out.println("federation CA created in " + dir + " (ca.key is mode 0600; back it up offline)");
        System.out.println("CA fingerprint (SHA-256): " + TlsMaterial.fingerprint(ca));
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = "Offline enrolment for air-gapped sites: issue a node certificate into a startup kit directory."
          + " With --csr (made by `cohort-node enroll --csr-out`) the node's key never leaves the node;"
          + " --generate-key creates the key here instead and puts it in the kit (0600).")
  static final class Issue implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cohort-data", description = "The coordinator's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--node", required = true, description = "The node id the certificate names.")
    String node;

    @Option(names = "--csr", paramLabel = "FILE", description = "The node's PEM certificate request.")
    Path csr;

    @Option(names = "--generate-key", description = "Generate the node's identity key here (the kit then holds a secret).")
    boolean generateKey;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The startup kit directory to write.")
    Path out;

    @Option(names = "--validity-days", defaultValue = "365", description = "Certificate validity (default: ${DEFAULT-VALUE}).")
    int validityDays;

    @Override
    public Integer call() throws Exception {
      if ((csr == null) == !generateKey) {
        throw new CliException(CliException.USAGE, "give exactly one of --csr FILE or --generate-key");
      }
      try {
        FederationCa ca = FederationCa.load(pkiDir(dataDir), Clock.systemUTC());
        CertificationRequest request;
        if (generateKey) {
          request = CertificationRequest.create(node, NodeKey.loadOrCreate(out.resolve(node + ".identity.key")));
        } else {
          request = CertificationRequest.parse(Pem.readOne(csr, "CERTIFICATE REQUEST"));
        }
        X509Certificate cert = ca.issueNode(request, node, Duration.ofDays(validityDays));
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

  public static void writeKit(Path out, String node, X509Certificate cert, X509Certificate ca, boolean withKey) throws IOException {
    Pem.writePublic(out.resolve(node + ".crt"), Pem.certificates(List.of(cert, ca)).getBytes(StandardCharsets.US_ASCII));
    Pem.writePublic(out.resolve("ca.crt"), Pem.certificates(List.of(ca)).getBytes(StandardCharsets.US_ASCII));
    Pem.writePublic(out.resolve("README.txt"), ("Startup kit for Cohort node " + node + ".\n"
        + "Copy " + node + ".crt and ca.crt" + (withKey ? " and " + node + ".identity.key (keep it 0600)" : "")
        + " next to the node's node.yaml (or point 'certificate', 'ca_certificate' and 'identity_key' at them).\n"
        + "CA fingerprint (SHA-256): " + TlsMaterial.fingerprint(ca) + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  @Command(name = "server-cert", mixinStandardHelpOptions = true,
      description = "Re-issue the coordinator's TLS certificate (rotation, or new host names); restart the coordinator after.")
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
        System.out.println("coordinator certificate re-issued, valid until " + c.getNotAfter().toInstant()
            + "; restart the coordinator to use it");
        return 0;
      } catch (PkiException e) {
        throw new CliException(CliException.FAILED, e.getMessage());
      }
    }
  }
}
